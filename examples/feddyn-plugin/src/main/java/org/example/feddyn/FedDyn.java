package org.example.feddyn;

import dev.starling.aggregator.Aggregator;
import dev.starling.node.fl.AggregateAndStep;
import dev.starling.node.fl.ClientTraining;
import dev.starling.node.fl.ClientUpdate;
import dev.starling.node.fl.FlStrategy;
import dev.starling.node.fl.RoundConfig;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * FedDyn (Acar et al. 2021): each client adds a dynamic regularizer to its loss,
 * {@code L_i(w) - <g_i, w> + alpha/2 |w - w_global|^2}, where {@code g_i}, kept by the client
 * across rounds, is its previous round's gradient at its solution; after training it sets
 * {@code g_i <- g_i - alpha (w_i - w_global)}. The server keeps {@code h} and sets
 * {@code h <- h - alpha (|P| / m) mean(delta)} and {@code w <- w + mean(delta) - h / alpha}.
 *
 * <p>It shows both halves of Starling's strategy API: the server sends {@code alpha} in each
 * round's config, and each client keeps {@code g_i} as its own state.
 */
public final class FedDyn {
  static final String ALPHA = "feddyn.alpha";
  static final String G = "feddyn.g";

  private FedDyn() {}

  /** The server: the sample-weighted mean delta, corrected by {@code h}. */
  public static final class Server implements FlStrategy {
    private final double alpha;
    private final int clients;
    private final float[] h;

    public Server(double alpha, int clients, int numParams) {
      this.alpha = alpha;
      this.clients = clients;
      this.h = new float[numParams];
    }

    @Override
    public String name() {
      return "feddyn";
    }

    @Override
    public RoundConfig configureFit(int round) {
      return new RoundConfig(Map.of(ALPHA, alpha), Map.of());
    }

    @Override
    public void aggregateFit(int round, List<ClientUpdate> updates, Aggregator rule, float[] global) {
      float[] mean = rule.aggregate(AggregateAndStep.weighted(updates));
      double share = (double) updates.size() / clients;
      for (int j = 0; j < global.length; j++) {
        h[j] -= (float) (alpha * share * mean[j]);
        global[j] += mean[j] - (float) (h[j] / alpha);
      }
    }

    @Override
    public Map<String, float[]> state() {
      return Map.of("feddyn.h", h.clone());
    }

    @Override
    public void restore(Map<String, float[]> state) {
      System.arraycopy(state.get("feddyn.h"), 0, h, 0, h.length);
    }
  }

  /** A client: training with the linear term {@code -g_i} and the proximal term {@code alpha}, then the update of {@code g_i}. */
  public static final class Client implements ClientTraining {
    @Override
    public ClientFit fit(FitTask t) {
      double alpha = t.config().scalar(ALPHA);
      float[] g = t.state().getOrDefault(G, new float[t.global().length]);
      float[] offset = new float[g.length];
      for (int j = 0; j < g.length; j++) {
        offset[j] = -g[j];
      }
      TrainingConfig tc = t.training();
      TrainingConfig withProx = new TrainingConfig(tc.epochs(), tc.batchSize(), tc.optimizer(), tc.learningRate(),
          tc.momentum(), tc.weightDecay(), alpha, tc.maxSteps());
      LocalTrainer.Result r = LocalTrainer.train(t.model(), t.global(), t.data(), t.indices(), withProx, t.seed(), offset);
      float[] next = g.clone();
      float[] w = r.params();
      for (int j = 0; j < next.length; j++) {
        next[j] -= (float) (alpha * (w[j] - t.global()[j]));
      }
      TreeMap<String, float[]> state = new TreeMap<>(t.state());
      state.put(G, next);
      return new ClientFit(r, Map.of(), state);
    }
  }
}
