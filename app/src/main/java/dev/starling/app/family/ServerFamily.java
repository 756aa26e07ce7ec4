package dev.starling.app.family;

import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.FlSimulation;
import dev.starling.app.experiment.FlWorld;
import dev.starling.app.member.ClusterConfig;
import dev.starling.app.member.FlMembers;
import dev.starling.app.member.MemberContext;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import java.util.function.Consumer;

/**
 * A family with a server (node 0) and clients 1..N, as federated learning has: it only says how
 * its {@link FlWorld} is built (which aggregation rule and server step the config asks for); the
 * simulation, the cluster layout and the members are FL's. Extend it for a strategy of your own.
 */
public abstract class ServerFamily implements AlgorithmFamily {

  /** The world of a run of {@code cfg}: data split, model, privacy, and this family's rule and server step. */
  protected abstract FlWorld world(SimConfig cfg, DataLoader.Loaded data);

  @Override
  public boolean serverless() {
    return false;
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
  public boolean shardable() {
    return true;
  }

  @Override
  public dev.starling.app.shard.ShardServer.Served shard(SimConfig cfg, DataLoader.Loaded data) {
    return FlSimulation.shard(cfg, world(cfg, data));
  }

  @Override
  public ClusterConfig.Layout layout() {
    return ClusterConfig.Layout.SERVER_AND_CLIENTS;
  }

  @Override
  public int runMember(MemberContext member) throws InterruptedException {
    FlWorld world = world(member.cfg(), member.data());
    return member.me().role() == ClusterConfig.Role.SERVER ? FlMembers.server(member, world)
        : FlMembers.client(member, world);
  }
}
