package dev.starling.node.dl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.PeerCheckpoint;
import dev.starling.node.wire.proto.PeerModel;
import dev.starling.node.wire.proto.PeerModelKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/**
 * The synchronous-round DL peer on a scripted runtime: node 1 of 3 sends to node 2 and waits for
 * nodes 0 and 2, mixing by plain averaging (a scripted rule, so every expected model is exact).
 */
class SyncRoundPeerTest {

  static final int ME = 1;
  static final int NODES = 3;
  static final int ROUNDS = 20;
  static final int P = RoleFixtures.PARAMS;

  /** Sends to 2, waits for 0 and 2, averages everything it has. */
  static final SyncRoundPeer.Rule RULE = new SyncRoundPeer.Rule() {
    @Override
    public int[] sendTo(int self, long round) {
      return new int[] {2};
    }

    @Override
    public int[] expectFrom(int self, long round) {
      return new int[] {0, 2};
    }

    @Override
    public float[] mix(int self, long round, float[] own, SortedMap<Integer, SyncRoundPeer.Received> received) {
      float[] out = own.clone();
      for (SyncRoundPeer.Received r : received.values()) {
        for (int i = 0; i < out.length; i++) {
          out[i] += r.params()[i];
        }
      }
      for (int i = 0; i < out.length; i++) {
        out[i] /= received.size() + 1;
      }
      return out;
    }

    @Override
    public String describe() {
      return "scripted";
    }
  };

  record Done(long round, float[] params) {}

  final List<Done> done = new ArrayList<>();

  ScriptedRuntime<PeerCommand> peer() {
    return peer(dev.starling.node.runtime.Storage.NONE);
  }

  ScriptedRuntime<PeerCommand> peer(dev.starling.node.runtime.Storage storage) {
    PeerListener listener = new PeerListener() {
      @Override
      public void roundDone(int node, long round, float[] params, double trainLoss) {
        assertEquals(ME, node);
        done.add(new Done(round, params.clone()));
      }
    };
    PeerSetup setup = new PeerSetup(RoleFixtures.testData(), new int[] {0, 2}, RoleFixtures.models(), new float[P], NODES,
        Codecs.of("fp32", 0, false), 5, listener);
    return new ScriptedRuntime<>(ME, storage, ports -> SyncRoundPeer.create(ports, setup, RULE, ROUNDS, Duration.ofSeconds(30)));
  }

  static Envelope model(long round, float value, int degree) {
    float[] p = new float[P];
    Arrays.fill(p, value);
    return Envelope.newBuilder().setPeerModel(PeerModel.newBuilder().setKind(PeerModelKind.NEIGHBOUR).setRound(round)
        .setModel(Tensors.fp32(p)).setDegree(degree)).build();
  }

  /** Finishes the pending training and returns the model the peer sent (to node 2 only). */
  static float[] trainAndSend(ScriptedRuntime<PeerCommand> rt, long round) {
    assertEquals(1, rt.finishJobs());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size());
    assertEquals(2, sent.get(0).to());
    PeerModel m = sent.get(0).envelope().getPeerModel();
    assertEquals(round, m.getRound());
    assertEquals(2, m.getDegree());
    return Tensors.decode(m.getModel(), P);
  }

  static float[] mean(float[] own, float... others) {
    float[] out = own.clone();
    for (int i = 0; i < out.length; i++) {
      for (float o : others) {
        out[i] += o;
      }
      out[i] /= others.length + 1;
    }
    return out;
  }

  @Test
  void trainsSendsWaitsForItsInNeighboursAndMixes() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    float[] own = trainAndSend(rt, 1);
    assertEquals(1, rt.pendingTimers().size(), "a round deadline is set while collecting");
    rt.deliver(0, model(1, 1f, 2));
    assertTrue(done.isEmpty(), "node 2's model is still missing");
    rt.deliver(2, model(1, 4f, 2));
    assertEquals(1, done.size());
    assertEquals(1, done.get(0).round());
    assertArrayEquals(mean(own, 1f, 4f), done.get(0).params(), 1e-6f);
    assertEquals(0, rt.pendingTimers().size(), "closing cancels the deadline");
    assertEquals(1, rt.pendingJobs(), "round 2's training starts at once");
  }

  @Test
  void dropsInvalidMessagesAndKeepsTheFirstModelOfASender() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    float[] own = trainAndSend(rt, 1);
    rt.deliver(7, model(1, 9f, 2)); // no such node
    rt.deliver(0, model(0, 9f, 2)); // round 0
    rt.deliver(0, model(ROUNDS + 1, 9f, 2)); // past the last round
    rt.deliver(0, model(1, 9f, 0)); // degree 0
    rt.deliver(0, model(1, 9f, NODES)); // degree beyond the graph
    rt.deliver(0, RoleFixtures.update(1, 0, 9f, 1)); // not a peer model
    rt.deliver(0, Envelope.newBuilder().setPeerModel(model(1, 9f, 2).getPeerModel().toBuilder()
        .setModel(Tensors.fp32(new float[P + 1]))).build()); // wrong length
    long dropped = rt.log().stream().filter(l -> l.startsWith("WARN") && l.contains("dropped a message")).count();
    assertEquals(7, dropped, rt.log().toString());
    rt.deliver(0, model(1, 1f, 2));
    rt.deliver(0, model(1, 100f, 2)); // a second model from node 0: the first stands
    rt.deliver(2, model(1, 4f, 2));
    assertEquals(1, done.size());
    assertArrayEquals(mean(own, 1f, 4f), done.get(0).params(), 1e-6f);
  }

  @Test
  void theDeadlineClosesWithWhatArrivedAndStaleModelsAreIgnored() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    float[] own = trainAndSend(rt, 1);
    rt.deliver(0, model(1, 2f, 2));
    assertTrue(rt.fire(rt.pendingTimers().get(0)));
    assertEquals(1, done.size());
    assertArrayEquals(mean(own, 2f), done.get(0).params(), 1e-6f);

    float[] own2 = trainAndSend(rt, 2);
    rt.deliver(2, model(1, 50f, 2)); // node 2's round-1 model, too late
    rt.deliver(0, model(2, 1f, 2));
    rt.deliver(2, model(2, 3f, 2));
    assertEquals(2, done.size());
    assertArrayEquals(mean(own2, 1f, 3f), done.get(1).params(), 1e-6f);
  }

  @Test
  void aModelFromANearLaterRoundWaitsAndAFarLaterOneMakesThePeerJump() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    float[] own = trainAndSend(rt, 1);
    rt.deliver(0, model(2, 7f, 2)); // node 0 is a round ahead: kept for round 2
    rt.deliver(0, model(1, 1f, 2));
    rt.deliver(2, model(1, 1f, 2));
    float[] own2 = trainAndSend(rt, 2);
    rt.deliver(2, model(2, 1f, 2));
    assertArrayEquals(mean(own2, 7f, 1f), done.get(1).params(), 1e-6f);
    assertArrayEquals(mean(own, 1f, 1f), done.get(0).params(), 1e-6f);

    trainAndSend(rt, 3);
    long far = 3 + SyncRoundPeer.MAX_LAG + 1;
    rt.deliver(0, model(far, 5f, 2));
    assertEquals(1, rt.pendingJobs(), "the peer retrains at the far round");
    trainAndSend(rt, far);
    rt.deliver(2, model(far, 5f, 2));
    assertEquals(far, done.get(done.size() - 1).round());
  }

  @Test
  void aCrashLosesWhatWasInFlightAndARestartContinuesFromTheLastCompletedRound() {
    var storage = new dev.starling.node.runtime.MemoryStorage();
    var rt = peer(storage);
    rt.tell(new PeerCommand.Start());
    float[] own = trainAndSend(rt, 1);
    rt.deliver(0, model(1, 1f, 2));
    rt.deliver(2, model(1, 4f, 2));
    float[] afterRound1 = done.get(0).params();
    rt.deliver(0, model(2, 7f, 2)); // round 2 has begun: a model in its inbox, training in progress
    assertEquals(1, rt.pendingJobs());
    // crash: this runtime (the actor, its inbox, timers and job) is gone; the storage stays

    var restarted = peer(storage);
    var cp = storage.load(PeerCheckpoint.parser()).orElseThrow();
    assertEquals(1, cp.getIncarnation(), "the restart counts as the node's second start");
    assertEquals(2, cp.getRound(), "it continues with round 2");
    assertArrayEquals(afterRound1, Tensors.decode(cp.getModel(), P), 0f, "from the model round 1 ended with");
    restarted.tell(new PeerCommand.Start());
    trainAndSend(restarted, 2);
    restarted.deliver(2, model(2, 3f, 2));
    assertEquals(1, done.size(), "node 0's round-2 model was lost with the crash: it waits for it again");
    restarted.deliver(0, model(2, 5f, 2));
    assertEquals(2, done.size());
    assertEquals(2, done.get(1).round());
    assertTrue(own.length == P);
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(104, P, List.of(model(0, 0.5f, 2), model(1, -0.5f, 2)))
        .run(rt, 20_000, 0, 2, ME, -1, 3, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
