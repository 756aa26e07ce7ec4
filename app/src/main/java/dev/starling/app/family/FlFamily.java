package dev.starling.app.family;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.CoordinateMedian;
import dev.starling.aggregator.FedAdagrad;
import dev.starling.aggregator.FedAdam;
import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.FedAvgM;
import dev.starling.aggregator.FedYogi;
import dev.starling.aggregator.Krum;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.aggregator.ServerSgd;
import dev.starling.aggregator.TrimmedMean;
import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.FlAlgorithm;
import dev.starling.node.fl.strategy.Scaffold;
import dev.starling.app.experiment.FlWorld;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Federated learning: a server (node 0) samples clients 1..N each round and folds their updates
 * with a server optimizer (the strategy: FedAvg, FedAvgM, FedProx, FedAdam, FedYogi, FedAdagrad,
 * or SCAFFOLD with its control variates) after an aggregation rule (mean or a robust one: median,
 * trimmed mean, (multi-)Krum).
 */
public final class FlFamily extends ServerFamily {

  /** A server-side strategy: how the aggregated update moves the global model, and its defaults. */
  /**
   * A server-side strategy: its default server learning rate, whether it has FedProx's proximal
   * term, its server step, and how the algorithm is built from that step; {@code clientState}
   * says its clients keep and send more than their delta (update privacy does not cover that).
   */
  record Strategy(double defaultServerLr, boolean proximal, Function<SimConfig.Server, ServerOptimizer> optimizer,
      Function<ServerOptimizer, FlAlgorithm> algorithm, boolean clientState) {
    Strategy(double defaultServerLr, boolean proximal, Function<SimConfig.Server, ServerOptimizer> optimizer) {
      this(defaultServerLr, proximal, optimizer, FlAlgorithm::of, false);
    }
  }

  /** SCAFFOLD: the server's control variate beside its optimizer, and the clients' corrected training. */
  private static FlAlgorithm scaffold(ServerOptimizer optimizer) {
    return FlAlgorithm.of((clients, numParams) -> new Scaffold.Server(optimizer, clients, numParams), new Scaffold.Client());
  }

  private static final Map<String, Strategy> STRATEGIES = new LinkedHashMap<>();
  private static final Map<String, Function<SimConfig.Server, Aggregator>> RULES = new LinkedHashMap<>();

  static {
    STRATEGIES.put("fedavg", new Strategy(1.0, false, s -> new ServerSgd(s.learningRate())));
    STRATEGIES.put("fedavgm", new Strategy(1.0, false, s -> new FedAvgM(s.learningRate(), s.momentum())));
    STRATEGIES.put("fedprox", new Strategy(1.0, true, s -> new ServerSgd(s.learningRate())));
    STRATEGIES.put("fedadam", new Strategy(0.01, false, s -> new FedAdam(s.learningRate(), s.beta1(), s.beta2(), s.tau())));
    STRATEGIES.put("fedyogi", new Strategy(0.01, false, s -> new FedYogi(s.learningRate(), s.beta1(), s.beta2(), s.tau())));
    STRATEGIES.put("fedadagrad", new Strategy(0.01, false, s -> new FedAdagrad(s.learningRate(), s.beta1(), s.tau())));
    STRATEGIES.put("scaffold", new Strategy(1.0, false, s -> new ServerSgd(s.learningRate()), FlFamily::scaffold, true));

    RULES.put("fedavg", s -> new FedAvg());
    RULES.put("median", s -> new CoordinateMedian());
    RULES.put("trimmed-mean", s -> new TrimmedMean(s.trimFraction()));
    RULES.put("krum", s -> new Krum(s.krumByzantine(), 1));
    RULES.put("multi-krum", s -> new Krum(s.krumByzantine(), s.krumSelected()));
  }

  @Override
  public String name() {
    return "fl";
  }

  @Override
  public List<String> algorithms() {
    return List.copyOf(STRATEGIES.keySet());
  }

  /** The strategy's server step, and FedProx's proximal coefficient where it applies. */
  @Override
  public Config defaults(String algorithm) {
    Strategy s = STRATEGIES.get(algorithm);
    String text = String.format(Locale.ROOT, "server.learning-rate = %s", s.defaultServerLr());
    if (s.proximal()) {
      text += "\ntraining.prox-mu = 0.01";
    }
    return ConfigFactory.parseString(text);
  }

  @Override
  public void validate(SimConfig cfg) {
    Strategy s = STRATEGIES.get(cfg.algorithm());
    double mu = cfg.training().proxMu();
    if (s.proximal() && mu <= 0) {
      throw new ConfigError("config key 'training.prox-mu': " + mu + " is out of range for algorithm "
          + cfg.algorithm() + " (allowed > 0)");
    }
    if (!s.proximal() && mu != 0) {
      throw new ConfigError("config key 'training.prox-mu': " + mu + " is set but algorithm = " + cfg.algorithm()
          + " has no proximal term (allowed with " + proximalNames() + ")");
    }
    if (s.clientState() && !"none".equals(cfg.privacy().mechanism())) {
      throw new ConfigError("config key 'privacy.mechanism': '" + cfg.privacy().mechanism() + "' cannot be used with algorithm "
          + cfg.algorithm() + ", whose clients send state the mechanism does not privatize (allowed: none)");
    }
    if (s.clientState() && "dl4j".equals(cfg.model().engine())
        && (cfg.training().optimizer() != dev.starling.node.learning.TrainingConfig.Optimizer.SGD
        || cfg.training().momentum() > 0)) {
      throw new ConfigError("config key 'model.engine': 'dl4j' cannot correct the gradients of algorithm " + cfg.algorithm()
          + " under momentum or AdamW (allowed: starling, or dl4j with plain SGD)");
    }
    if (!RULES.containsKey(cfg.server().aggregator())) {
      throw new ConfigError("config key 'server.aggregator': '" + cfg.server().aggregator() + "' is not one of "
          + String.join(", ", RULES.keySet()));
    }
    SimConfig.Server srv = cfg.server();
    int n = cfg.clients();
    if ("fixed".equals(srv.sampler()) && srv.clientsPerRound() > n) {
      throw new ConfigError("config key 'server.clients-per-round': " + srv.clientsPerRound() + " is more than the "
          + n + " clients (clients.count; allowed 1.." + n + ")");
    }
    int perRound = "fixed".equals(srv.sampler()) ? srv.clientsPerRound() : n;
    if (srv.minClients() > perRound) {
      throw new ConfigError("config key 'server.min-clients': " + srv.minClients() + " is more than the " + perRound
          + (perRound == n ? " clients" : " clients per round (server.clients-per-round)") + ", so no round could close"
          + " (allowed 1.." + perRound + ")");
    }
    int need = RULES.get(srv.aggregator()).apply(srv).minUpdates();
    if ("fixed".equals(srv.sampler()) && srv.clientsPerRound() < need) {
      throw new ConfigError("config key 'server.clients-per-round': " + srv.clientsPerRound() + " is too few for "
          + srv.aggregator() + " with server.krum-byzantine = " + srv.krumByzantine()
          + ("multi-krum".equals(srv.aggregator()) ? " and server.krum-selected = " + srv.krumSelected() : "")
          + ", which needs at least " + need + " updates per round");
    }
    if (srv.minClients() < need) {
      throw new ConfigError("config key 'server.min-clients': " + srv.minClients() + " lets a round close with fewer"
          + " updates than " + srv.aggregator() + " with server.krum-byzantine = " + srv.krumByzantine() + " needs ("
          + need + "); set server.min-clients >= " + need);
    }
    if ("gaussian".equals(cfg.privacy().mechanism()) && !"fedavg".equals(srv.aggregator())) {
      throw new ConfigError("config key 'server.aggregator': '" + srv.aggregator() + "' cannot be combined with"
          + " privacy.mechanism = gaussian (central DP adds noise to the clipped mean; a robust rule would need its own"
          + " sensitivity analysis; allowed: fedavg)");
    }
    if (!"none".equals(cfg.privacy().mechanism()) && "poisson".equals(srv.sampler()) && srv.overSelection() > 0) {
      throw new ConfigError("config key 'server.over-selection': " + srv.overSelection() + " cannot be combined with"
          + " server.sampler = poisson and privacy.mechanism = " + cfg.privacy().mechanism() + " (the invited set is no"
          + " longer a Poisson sample, so its amplification does not apply; use sampler = fixed or fraction, or 0)");
    }
  }

  private static String proximalNames() {
    return String.join(", ", STRATEGIES.entrySet().stream().filter(e -> e.getValue().proximal()).map(Map.Entry::getKey)
        .toList());
  }

  /** The world of an FL run: data split, model, privacy, and the strategy and rule the config names. */
  @Override
  protected FlWorld world(SimConfig cfg, DataLoader.Loaded data) {
    SimConfig.Server s = cfg.server();
    Strategy st = STRATEGIES.get(cfg.algorithm());
    return new FlWorld(cfg, data, RULES.get(s.aggregator()).apply(s), st.algorithm().apply(st.optimizer().apply(s)));
  }
}
