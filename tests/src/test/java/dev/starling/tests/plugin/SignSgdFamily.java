package dev.starling.tests.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.FlSimulation;
import dev.starling.app.experiment.FlWorld;
import dev.starling.app.family.AlgorithmFamily;
import dev.starling.app.member.ClusterConfig;
import dev.starling.app.member.FlMembers;
import dev.starling.app.member.MemberContext;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import java.util.List;
import java.util.function.Consumer;

/**
 * A user's algorithm family, registered only through
 * {@code META-INF/services/dev.starling.app.family.AlgorithmFamily}: FL whose server moves every
 * coordinate by the sign of the averaged update (signSGD on the server). It is what a user's own
 * jar would hold: one class, one registration, nothing of Starling edited.
 */
public final class SignSgdFamily implements AlgorithmFamily {

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
  public boolean serverless() {
    return false;
  }

  @Override
  public Config defaults(String algorithm) {
    return ConfigFactory.parseString("server.learning-rate = 0.01");
  }

  private static FlWorld world(SimConfig cfg, DataLoader.Loaded data) {
    return new FlWorld(cfg, data, new FedAvg(), new SignStep(cfg.server().learningRate()));
  }

  @Override
  public String nodes(SimConfig cfg) {
    return cfg.clients() + " clients";
  }

  @Override
  public RunResult simulate(SimConfig cfg, DataLoader.Loaded data, RunWriter writer, Consumer<MetricsRow> progress) {
    return FlSimulation.run(cfg, world(cfg, data), writer, progress);
  }

  @Override
  public ClusterConfig.Layout layout() {
    return ClusterConfig.Layout.SERVER_AND_CLIENTS;
  }

  @Override
  public int runMember(MemberContext member) throws InterruptedException {
    FlWorld w = world(member.cfg(), member.data());
    return member.me().role() == ClusterConfig.Role.SERVER ? FlMembers.server(member, w) : FlMembers.client(member, w);
  }
}
