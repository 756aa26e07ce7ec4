package org.example.feddyn;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.starling.aggregator.FedAvg;
import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.FlAlgorithm;
import dev.starling.app.experiment.FlWorld;
import dev.starling.app.family.ServerFamily;
import java.util.List;

/**
 * Registers FedDyn as {@code algorithm = feddyn} (through
 * {@code META-INF/services/dev.starling.app.family.AlgorithmFamily}). Its setting lives in the
 * free-form {@code plugin} section: {@code plugin.feddyn.alpha}. FL's server, clients, simulation,
 * cluster layout and members come from {@link ServerFamily}.
 */
public final class FedDynFamily extends ServerFamily {

  @Override
  public String name() {
    return "feddyn";
  }

  @Override
  public List<String> algorithms() {
    return List.of("feddyn");
  }

  @Override
  public Config defaults(String algorithm) {
    return ConfigFactory.parseString("plugin.feddyn.alpha = 0.01");
  }

  @Override
  public void validate(SimConfig cfg) {
    double alpha = alpha(cfg);
    if (!(alpha > 0 && alpha < 1e3)) {
      throw new ConfigError("config key 'plugin.feddyn.alpha': " + alpha + " is out of range (allowed > 0 and < 1000)");
    }
    if (!"none".equals(cfg.privacy().mechanism())) {
      throw new ConfigError("config key 'privacy.mechanism': feddyn runs without update privacy (allowed: none)");
    }
  }

  private static double alpha(SimConfig cfg) {
    return cfg.resolved().getDouble("plugin.feddyn.alpha");
  }

  @Override
  protected FlWorld world(SimConfig cfg, DataLoader.Loaded data) {
    double alpha = alpha(cfg);
    return new FlWorld(cfg, data, new FedAvg(),
        FlAlgorithm.of((clients, numParams) -> new FedDyn.Server(alpha, clients, numParams), new FedDyn.Client()));
  }
}
