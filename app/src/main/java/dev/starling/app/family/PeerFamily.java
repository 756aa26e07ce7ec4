package dev.starling.app.family;

import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.DlSimulation;
import dev.starling.app.experiment.PeerProtocol;
import dev.starling.app.experiment.PeerWorld;
import dev.starling.app.member.ClusterConfig;
import dev.starling.app.member.MemberContext;
import dev.starling.app.member.PeerMembers;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import java.util.function.Consumer;

/** A serverless family: peers 0..n-1 built from one {@link PeerWorld} and the family's {@link PeerProtocol}. */
abstract class PeerFamily implements AlgorithmFamily {

  /** The protocol of {@code cfg}'s algorithm (one instance per run: every peer shares it). */
  abstract PeerProtocol protocol(SimConfig cfg);

  @Override
  public boolean serverless() {
    return true;
  }

  @Override
  public String nodes(SimConfig cfg) {
    return cfg.clients() + " peers";
  }

  @Override
  public RunResult simulate(SimConfig cfg, DataLoader.Loaded data, RunWriter writer, Consumer<MetricsRow> progress) {
    return DlSimulation.run(cfg, new PeerWorld(cfg, data, protocol(cfg)), writer, progress);
  }

  @Override
  public boolean shardable() {
    return true;
  }

  @Override
  public dev.starling.app.shard.ShardServer.Served shard(SimConfig cfg, DataLoader.Loaded data) {
    return DlSimulation.shard(cfg, new PeerWorld(cfg, data, protocol(cfg)));
  }

  @Override
  public ClusterConfig.Layout layout() {
    return ClusterConfig.Layout.PEERS;
  }

  @Override
  public int runMember(MemberContext member) throws InterruptedException {
    return PeerMembers.peer(member, new PeerWorld(member.cfg(), member.data(), protocol(member.cfg())));
  }
}
