package dev.starling.app.member;

import dev.starling.app.experiment.PeerWorld;
import dev.starling.app.report.RunWriter;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerListener;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.wire.proto.PeerCheckpoint;
import dev.starling.node.wire.proto.RunDone;
import dev.starling.sampling.modest.View;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A serverless peer member (MoDeST or a DL baseline): runs until the last round is done, then lingers for the others. */
public final class PeerMembers {

  private PeerMembers() {}

  public static int peer(MemberContext m, PeerWorld world) throws InterruptedException {
    int n = m.cfg().clients();
    int rounds = m.cfg().rounds();
    int id = m.me().id();
    var runtime = m.runtime();
    CompletableFuture<RunDone> done = new CompletableFuture<>();
    runtime.onRunDone((from, rd) -> done.complete(rd));
    Map<String, Object> result = new ConcurrentHashMap<>();
    boolean aggregates = world.protocol().aggregates();
    PeerListener listener = new PeerListener() {
      @Override
      public void aggregated(AggregationRecord r, float[] params) {
        m.say("aggregated round %d from %d of %d models%s", r.round(), r.contributors().size(), r.participants().size(),
            r.timedOut() ? " (timeout)" : "");
        if (r.round() >= rounds && !done.isDone()) {
          finalModel(m, world, params, r.round(), result);
          runtime.broadcastRunDone(id, (int) r.round(), "");
          done.complete(RunDone.newBuilder().setRounds((int) r.round()).build());
        }
      }

      @Override
      public void roundDone(int node, long round, float[] params, double trainLoss) {
        if (!aggregates && round % 10 == 0) {
          m.say("round %d done", round);
        }
        if (!aggregates && round >= rounds && !done.isDone()) {
          finalModel(m, world, params, round, result);
          done.complete(RunDone.newBuilder().setRounds((int) round).build());
        }
      }
    };
    var ports = m.ports(id);
    ports.storage().load(PeerCheckpoint.parser()).ifPresent(cp -> m.say(
        "resuming from its checkpoint: start %d, round %d, last completed round %d", cp.getIncarnation() + 2,
        cp.getRound(), cp.getMaxCompleted()));
    var peer = runtime.spawn("node-" + id, world.peer(id, ports, listener, View.initial(n, i -> false)));
    List<Integer> others = new ArrayList<>(m.nodeIds());
    if (!runtime.awaitRoutes(others, m.startup())) {
      m.say("starting without peers %s (not seen within %.0f s)", runtime.missing(others), m.cluster().startupTimeoutS());
    }
    peer.tell(new PeerCommand.Start());
    m.say("started with %d local samples", world.parts()[id].length);
    return m.awaitEnd(done, result, m.cluster().lingerS());
  }

  private static void finalModel(MemberContext m, PeerWorld world, float[] params, long round, Map<String, Object> result) {
    Model model = world.pool().get();
    model.setParams(params);
    Evaluation ev = model.evaluate(world.test(), null);
    result.put("final_round", round);
    result.put("final_accuracy", ev.accuracy());
    result.put("final_model_sha256", RunWriter.modelSha256(params));
    m.say("round %d model: accuracy %.2f %%", round, 100 * ev.accuracy());
  }
}
