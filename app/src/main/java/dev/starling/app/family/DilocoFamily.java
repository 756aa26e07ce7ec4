package dev.starling.app.family;

import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.DilocoSimulation;
import dev.starling.app.experiment.DilocoWorld;
import dev.starling.app.member.ClusterConfig;
import dev.starling.app.member.DilocoMembers;
import dev.starling.app.member.MemberContext;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import java.util.List;
import java.util.function.Consumer;

/**
 * (Streaming) DiLoCo: M replicas take H inner steps each, then a reducer averages their
 * (fragments') pseudo-gradients and applies an outer Nesterov step.
 */
public final class DilocoFamily implements AlgorithmFamily {

  @Override
  public String name() {
    return "diloco";
  }

  @Override
  public List<String> algorithms() {
    return List.of("diloco");
  }

  @Override
  public boolean serverless() {
    return false;
  }

  @Override
  public List<String> warnings(SimConfig cfg) {
    if (cfg.userKeys().contains("rounds")) {
      return List.of("config key 'rounds' has no effect for algorithm " + cfg.algorithm() + ": its " + rounds(cfg)
          + " outer rounds are diloco.total-steps / diloco.inner-steps");
    }
    return List.of();
  }

  /** Outer rounds: total steps over inner steps. */
  @Override
  public int rounds(SimConfig cfg) {
    return (int) (cfg.diloco().totalSteps() / cfg.diloco().innerSteps());
  }

  @Override
  public String nodes(SimConfig cfg) {
    return cfg.diloco().replicas() + " replicas";
  }

  @Override
  public RunResult simulate(SimConfig cfg, DataLoader.Loaded data, RunWriter writer, Consumer<MetricsRow> progress) {
    return DilocoSimulation.run(cfg, data, writer, progress);
  }

  @Override
  public ClusterConfig.Layout layout() {
    return ClusterConfig.Layout.REPLICAS;
  }

  @Override
  public int runMember(MemberContext member) throws InterruptedException {
    return DilocoMembers.replica(member, new DilocoWorld(member.cfg(), member.data()));
  }
}
