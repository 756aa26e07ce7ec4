package dev.starling.node.fl.strategy;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.node.fl.AggregateAndStep;
import dev.starling.node.fl.ClientTraining;
import dev.starling.node.fl.ClientUpdate;
import dev.starling.node.fl.FlStrategy;
import dev.starling.node.fl.RoundConfig;
import dev.starling.node.learning.LocalTrainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * SCAFFOLD (Karimireddy et al. 2020, option II): control variates correct client drift under
 * heterogeneous data. The server keeps {@code c} and sends it each round; client {@code i} keeps
 * its own {@code c_i} across rounds, trains with every gradient corrected by {@code c - c_i},
 * then sets {@code c_i+ = c_i - c + (x - y) / (K lr)} after {@code K} local steps and returns
 * {@code dc = c_i+ - c_i} with its delta. The server moves the model by its optimizer on the
 * aggregated delta and sets {@code c += (|S| / N) mean(dc)}.
 *
 * <p>The control variates travel as FP32 and are not privatized, so SCAFFOLD refuses update
 * privacy; a crashed client loses {@code c_i} and starts again from zero.
 */
public final class Scaffold {
  /** The server control variate in each round's config. */
  public static final String C = "scaffold.c";
  /** The client's control-variate change in its update. */
  public static final String DC = "scaffold.dc";
  /** The client's control variate in its state. */
  public static final String CI = "scaffold.c_i";

  private Scaffold() {}

  /** The server side: its optimizer on the aggregated delta, and the control variate {@code c}. */
  public static final class Server implements FlStrategy {
    private final ServerOptimizer optimizer;
    private final int totalClients;
    private final float[] c;

    /** @param totalClients N, the number of clients that may be sampled */
    public Server(ServerOptimizer optimizer, int totalClients, int numParams) {
      if (totalClients < 1) {
        throw new IllegalArgumentException("SCAFFOLD needs at least one client");
      }
      this.optimizer = optimizer;
      this.totalClients = totalClients;
      this.c = new float[numParams];
    }

    @Override
    public String name() {
      return "scaffold";
    }

    @Override
    public RoundConfig configureFit(int round) {
      return new RoundConfig(Map.of(), Map.of(C, c.clone()));
    }

    @Override
    public Set<String> clientTensors() {
      return Set.of(DC);
    }

    @Override
    public void aggregateFit(int round, List<ClientUpdate> updates, Aggregator rule, float[] global) {
      optimizer.step(global, rule.aggregate(AggregateAndStep.weighted(updates)));
      if (updates.isEmpty()) {
        return;
      }
      double[] sum = new double[c.length];
      for (ClientUpdate u : updates) { // ascending client id: one fixed order of the sum
        float[] dc = u.tensor(DC);
        for (int j = 0; j < sum.length; j++) {
          sum[j] += dc[j];
        }
      }
      double scale = 1.0 / totalClients; // (|S| / N) * (1 / |S|)
      for (int j = 0; j < c.length; j++) {
        c[j] += (float) (sum[j] * scale);
      }
    }

    /** A copy of {@code c}. */
    public float[] controlVariate() {
      return c.clone();
    }

    @Override
    public Map<String, float[]> state() {
      Map<String, float[]> s = new LinkedHashMap<>(optimizer.state());
      s.put(C, c.clone());
      return s;
    }

    @Override
    public void restore(Map<String, float[]> state) {
      Map<String, float[]> rest = new LinkedHashMap<>(state);
      float[] saved = rest.remove(C);
      if (saved == null || saved.length != c.length) {
        throw new IllegalArgumentException("SCAFFOLD state needs '" + C + "' of " + c.length + " values");
      }
      System.arraycopy(saved, 0, c, 0, c.length);
      optimizer.restore(rest);
    }
  }

  /** The client side: corrected local training and the update of {@code c_i}. */
  public static final class Client implements ClientTraining {
    @Override
    public ClientFit fit(FitTask t) {
      float[] c = t.config().tensor(C);
      float[] ci = t.state().getOrDefault(CI, new float[c.length]);
      float[] offset = new float[c.length];
      for (int j = 0; j < offset.length; j++) {
        offset[j] = c[j] - ci[j];
      }
      LocalTrainer.Result r = LocalTrainer.train(t.model(), t.global(), t.data(), t.indices(), t.training(), t.seed(), offset);
      float[] dc = new float[c.length];
      float[] next = ci.clone();
      if (r.steps() > 0) {
        double inv = 1.0 / (r.steps() * t.training().learningRate());
        float[] y = r.params();
        for (int j = 0; j < next.length; j++) {
          next[j] = (float) (ci[j] - c[j] + (t.global()[j] - y[j]) * inv);
          dc[j] = next[j] - ci[j];
        }
      }
      TreeMap<String, float[]> state = new TreeMap<>(t.state());
      state.put(CI, next);
      return new ClientFit(r, Map.of(DC, dc), state);
    }
  }
}
