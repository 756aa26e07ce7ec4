package dev.starling.app.member;

import dev.starling.app.experiment.DilocoWorld;
import dev.starling.app.report.RunWriter;
import dev.starling.node.diloco.DilocoListener;
import dev.starling.node.diloco.DilocoReplica;
import dev.starling.node.wire.proto.RunDone;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A DiLoCo replica member; replica 0 also hosts the reducer (node M), which announces the end. */
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
      public void finished(float[] global) {
        result.put("final_model_sha256", RunWriter.modelSha256(global));
        int r = ((Number) result.getOrDefault("final_round", 0)).intValue();
        runtime.broadcastRunDone(reducer, r, "");
        done.complete(RunDone.newBuilder().setRounds(r).build());
      }
    };
    var replica = runtime.spawn("node-" + id, world.replica(id, m.ports(id), listener));
    if (host) {
      runtime.spawn("node-" + reducer, world.reducer(m.ports(reducer), listener));
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
