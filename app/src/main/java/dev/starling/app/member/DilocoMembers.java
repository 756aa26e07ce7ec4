package dev.starling.app.member;

import dev.starling.app.experiment.DilocoWorld;
import dev.starling.app.report.RunWriter;
import dev.starling.node.diloco.DilocoListener;
import dev.starling.node.diloco.DilocoReplica;
import dev.starling.node.wire.proto.ReducerCheckpoint;
import dev.starling.node.wire.proto.ReplicaCheckpoint;
import dev.starling.node.wire.proto.RunDone;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DiLoCo replica member; replica 0 also hosts the reducer (node M), which announces the end.
 * Restarted with the same {@code --out}, a replica rejoins at the reducer's outer state and the
 * reducer continues from its checkpoint.
 */
public final class DilocoMembers {

  private DilocoMembers() {}

  public static int replica(MemberContext m, DilocoWorld world) throws InterruptedException {
    int id = m.me().id();
    var runtime = m.runtime();
    int reducer = world.reducerId();
    boolean host = id == 0;
    CompletableFuture<RunDone> done = new CompletableFuture<>();
    Map<String, Object> result = new ConcurrentHashMap<>();
    runtime.onRunDone((from, rd) -> {
      if (from == reducer) {
        done.complete(rd);
      }
    });
    DilocoListener listener = new DilocoListener() {
      @Override
      public void roundCompleted(int round, Double accuracy, Double loss, float[] global, double trainLoss, long bytes) {
        m.say("outer round %d done%s", round, accuracy == null ? "" : String.format(Locale.ROOT, ", accuracy %.2f %%",
            100 * accuracy));
        if (accuracy != null) {
          result.put("final_accuracy", accuracy);
        }
        result.put("final_round", round);
      }

      @Override
      public void replicaRejoined(int replica, long step, long[] syncs) {
        m.say("replica %d rejoins at step %d (syncs %s)", replica, step, java.util.Arrays.toString(syncs));
      }

      @Override
      public void finished(float[] global) {
        result.put("final_model_sha256", RunWriter.modelSha256(global));
        int r = ((Number) result.getOrDefault("final_round", 0)).intValue();
        runtime.broadcastRunDone(reducer, r, "");
        done.complete(RunDone.newBuilder().setRounds(r).build());
      }
    };
    var ports = m.ports(id);
    ports.storage().load(ReplicaCheckpoint.parser()).ifPresent(cp -> m.say(
        "restarted (start %d): rejoining at the reducer's outer state", cp.getIncarnation() + 2));
    var replica = runtime.spawn("node-" + id, world.replica(id, ports, listener));
    if (host) {
      var reducerPorts = m.ports(reducer);
      reducerPorts.storage().load(ReducerCheckpoint.parser()).ifPresent(cp -> m.say(
          "reducer resuming from its checkpoint: syncs %s done, round %d", cp.getCompletedSyncsList(),
          cp.getRoundsReported()));
      runtime.spawn("node-" + reducer, world.reducer(reducerPorts, listener));
    }
    List<Integer> all = m.nodeIds();
    if (!runtime.awaitRoutes(all, m.startup())) {
      m.say("starting without %s (not seen within %.0f s)", runtime.missing(all), m.cluster().startupTimeoutS());
    }
    replica.tell(new DilocoReplica.Start());
    m.say("started with %d local samples%s", world.parts()[id].length,
        host ? "; hosting the reducer (node " + reducer + ")" : "");
    return m.awaitEnd(done, result, m.cluster().lingerS());
  }
}
