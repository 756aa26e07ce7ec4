package dev.starling.app.family;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.FedAvgM;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.aggregator.ServerSgd;
import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.FlAlgorithm;
import dev.starling.app.experiment.FlWorld;
import dev.starling.node.fl.FedBuffServer;
import java.util.List;

/**
 * Asynchronous FL with buffered aggregation (FedBuff, Nguyen et al. 2022): clients train
 * continuously on the model version they were sent, the server folds every K staleness-weighted
 * updates into the model (server SGD, with server.momentum as FedAvgM). Runs on virtual time in the
 * simulator, with the device and network models deciding who is slow, and on the cluster.
 */
public final class FedBuffFamily extends ServerFamily {

  @Override
  public String name() {
    return "fedbuff";
  }

  @Override
  public List<String> algorithms() {
    return List.of("fedbuff");
  }

  /** Server SGD at rate 0.3 by default (stale full-model deltas at rate 1 diverged on MNIST, staleness about 2); server.momentum > 0 makes it FedAvgM (its shipped 0.9 is fedavgm's, not ours). */
  @Override
  public com.typesafe.config.Config defaults(String algorithm) {
    return com.typesafe.config.ConfigFactory.parseString("server.learning-rate = 0.3\nserver.momentum = 0.0");
  }

  @Override
  public void validate(SimConfig cfg) {
    SimConfig.FedBuff f = cfg.fedBuff();
    if (f.concurrency() > cfg.clients()) {
      throw new ConfigError("config key 'fedbuff.concurrency': " + f.concurrency() + " is more than the " + cfg.clients()
          + " clients (clients.count; allowed 1.." + cfg.clients() + ")");
    }
    if (!"none".equals(cfg.privacy().mechanism())) {
      throw new ConfigError("config key 'privacy.mechanism': '" + cfg.privacy().mechanism() + "' cannot be used with algorithm"
          + " fedbuff (its ledger has no accounting for asynchronous, staleness-weighted updates yet; allowed: none)");
    }
    if (cfg.secagg().enabled()) {
      throw new ConfigError("config key 'secagg.enabled': true cannot be used with algorithm fedbuff (SecAgg needs a"
          + " round's clients together; allowed: false)");
    }
    if (!"fedavg".equals(cfg.server().aggregator())) {
      throw new ConfigError("config key 'server.aggregator': '" + cfg.server().aggregator() + "' cannot be used with"
          + " algorithm fedbuff (it folds a staleness-weighted mean; allowed: fedavg)");
    }
  }

  @Override
  public List<String> warnings(SimConfig cfg) {
    List<String> keys = cfg.userKeys().stream().filter(k -> k.startsWith("server.clients-per-round")
        || k.startsWith("server.over-selection") || k.startsWith("server.min-clients") || k.startsWith("server.sampler"))
        .toList();
    return keys.isEmpty() ? List.of()
        : List.of(String.join(", ", keys) + (keys.size() == 1 ? " has" : " have") + " no effect with algorithm fedbuff (fedbuff.concurrency and"
            + " fedbuff.buffer-size decide who trains and when the model steps)");
  }

  @Override
  public String nodes(SimConfig cfg) {
    return cfg.clients() + " clients, " + cfg.fedBuff().concurrency() + " at a time, buffer " + cfg.fedBuff().bufferSize();
  }

  static FedBuffServer.Staleness staleness(SimConfig.FedBuff f) {
    return switch (f.staleness()) {
      case "constant" -> new FedBuffServer.Staleness.Constant();
      case "hinge" -> new FedBuffServer.Staleness.Hinge(f.hingeA(), f.hingeB());
      default -> new FedBuffServer.Staleness.Polynomial(f.exponent());
    };
  }

  @Override
  protected FlWorld world(SimConfig cfg, DataLoader.Loaded data) {
    SimConfig.Server s = cfg.server();
    ServerOptimizer step = s.momentum() > 0 ? new FedAvgM(s.learningRate(), s.momentum()) : new ServerSgd(s.learningRate());
    SimConfig.FedBuff f = cfg.fedBuff();
    return new FlWorld(cfg, data, new FedAvg(), FlAlgorithm.of(step))
        .asFedBuff(new FedBuffServer.Params(f.bufferSize(), f.concurrency(), staleness(f)), step);
  }
}
