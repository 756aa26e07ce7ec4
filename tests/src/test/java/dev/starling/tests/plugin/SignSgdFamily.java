package dev.starling.tests.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.FlWorld;
import dev.starling.app.family.ServerFamily;
import java.util.List;

/**
 * A user's algorithm family, registered only through
 * {@code META-INF/services/dev.starling.app.family.AlgorithmFamily}: FL whose server moves every
 * coordinate by the sign of the averaged update (signSGD on the server). It is what a user's own
 * jar would hold: one class (FL's simulation, layout and members come from {@link ServerFamily}),
 * one registration, nothing of Starling edited.
 */
public final class SignSgdFamily extends ServerFamily {

  /** The server step: {@code global += lr * sign(delta)}. */
  static final class SignStep implements ServerOptimizer {
    private final float lr;

    SignStep(double lr) {
      this.lr = (float) lr;
    }

    @Override
    public void step(float[] params, float[] delta) {
      for (int i = 0; i < params.length; i++) {
        params[i] += lr * Math.signum(delta[i]);
      }
    }

    @Override
    public String name() {
      return "fedsign";
    }
  }

  @Override
  public String name() {
    return "fedsign";
  }

  @Override
  public List<String> algorithms() {
    return List.of("fedsign");
  }

  @Override
  public Config defaults(String algorithm) {
    return ConfigFactory.parseString("server.learning-rate = 0.01");
  }

  @Override
  protected FlWorld world(SimConfig cfg, DataLoader.Loaded data) {
    return new FlWorld(cfg, data, new FedAvg(), new SignStep(cfg.server().learningRate()));
  }
}
