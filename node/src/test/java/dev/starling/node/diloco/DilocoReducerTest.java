package dev.starling.node.diloco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.OuterAverage;
import dev.starling.node.wire.proto.OuterGradient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DiLoCo reducer on a scripted runtime: replicas 0 and 1, two fragments, two rounds. */
class DilocoReducerTest {

  static final int REDUCER = 2;
  static final int P = RoleFixtures.PARAMS;
  static final DilocoSchedule SCHEDULE = new DilocoSchedule(4, 2, 0, 0, true);
  static final float LR = 0.5f;
  static final float MU = 0.9f;

  final List<Integer> rounds = new ArrayList<>();
  final List<Double> accuracies = new ArrayList<>();
  float[] finished;

  ScriptedRuntime<DilocoReducer.Command> reducer() {
    return reducer(dev.starling.node.runtime.Storage.NONE);
  }

  ScriptedRuntime<DilocoReducer.Command> reducer(dev.starling.node.runtime.Storage storage) {
    DilocoListener listener = new DilocoListener() {
      @Override
      public void roundCompleted(int round, Double accuracy, Double loss, float[] global, double trainLoss, long bytes) {
        rounds.add(round);
        accuracies.add(accuracy);
        assertTrue(bytes > 0);
      }

      @Override
      public void finished(float[] global) {
        finished = global;
      }
    };
    var setup = new DilocoReducer.Setup(new int[] {0, 1}, SCHEDULE, 2, LR, MU, new float[P], Codecs.of("fp32", 0, false),
        RoleFixtures.models(), RoleFixtures.testData(), 1, 3, listener, java.time.Duration.ofSeconds(60));
    return new ScriptedRuntime<>(REDUCER, storage, ports -> DilocoReducer.create(ports, setup));
  }

  static int len(int fragment) {
    return SCHEDULE.indices(fragment, P).length;
  }

  static Envelope gradient(int fragment, long sync, float value, int length) {
    float[] d = new float[length];
    Arrays.fill(d, value);
    return Envelope.newBuilder().setOuterGradient(OuterGradient.newBuilder().setFragment(fragment).setSync(sync)
        .setDelta(Tensors.fp32(d)).setTrainLoss(1f)).build();
  }

  static Envelope gradient(int fragment, long sync, float value) {
    return gradient(fragment, sync, value, len(fragment));
  }

  /** The averages just sent: one per replica, identical bytes. */
  static OuterAverage averageSent(ScriptedRuntime<?> rt, int fragment, long sync) {
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(List.of(0, 1), sent.stream().map(ScriptedRuntime.Sent::to).toList());
    OuterAverage a = sent.get(0).envelope().getOuterAverage();
    assertEquals(a, sent.get(1).envelope().getOuterAverage());
    assertEquals(fragment, a.getFragment());
    assertEquals(sync, a.getSync());
    assertEquals(2, a.getParticipants());
    return a;
  }

  @Test
  void aSyncGoesOnWithoutAReplicaSilentPastTheTimeoutAndLaterSyncsDoNotWaitForIt() {
    var rt = reducer();
    rt.deliver(0, gradient(0, 2, 3f)); // ahead of fragment 0's reduce (sync 1 is next)
    assertTrue(rt.log().stream().anyMatch(l -> l.contains("ahead of the reduce")), rt.log().toString());
    assertTrue(rt.pendingTimers().isEmpty(), "nothing is held for it");
    rt.deliver(0, gradient(0, 1, 2f));
    assertTrue(rt.takeSent().isEmpty());
    assertEquals(1, rt.pendingTimers().size(), "the sync's wait started with its first gradient");
    assertTrue(rt.fire(rt.pendingTimers().get(0)));
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(List.of(0, 1), sent.stream().map(ScriptedRuntime.Sent::to).toList(), "the late replica gets it too");
    OuterAverage a = sent.get(0).envelope().getOuterAverage();
    assertEquals(1, a.getParticipants());
    float[] twos = new float[len(0)];
    Arrays.fill(twos, 2f);
    assertArrayEquals(twos, Tensors.decode(a.getAverage(), len(0)), 0f, "the average of the replicas that sent");
    assertTrue(rt.log().stream().anyMatch(l -> l.contains("no gradient from replica(s) [1] for fragment 0 sync 1")),
        rt.log().toString());

    rt.deliver(0, gradient(1, 1, 1f));
    assertEquals(1, rt.takeSent().get(0).envelope().getOuterAverage().getParticipants(),
        "replica 1 is no longer waited for");
    rt.deliver(1, gradient(0, 1, 9f)); // late: its sync is done, so it gets that sync's average again
    List<ScriptedRuntime.Sent> again = rt.takeSent();
    assertEquals(List.of(1), again.stream().map(ScriptedRuntime.Sent::to).toList());
    assertEquals(a, again.get(0).envelope().getOuterAverage());
    // Replica 1 is alive: it counts again.
    rt.deliver(1, gradient(0, 2, 1f));
    assertTrue(rt.takeSent().isEmpty(), "back: the sync waits for replica 0 as well");
    rt.deliver(0, gradient(0, 2, 3f));
    assertEquals(2, averageSent(rt, 0, 2).getParticipants());
  }

  /** Round 1 on {@code rt}: both fragments reduced from both replicas. */
  static void roundOne(ScriptedRuntime<DilocoReducer.Command> rt) {
    for (int f = 0; f < 2; f++) {
      rt.deliver(0, gradient(f, 1, 1f + f));
      rt.deliver(1, gradient(f, 1, 3f));
      averageSent(rt, f, 1);
    }
    rt.finishJobs();
  }

  @Test
  void aRestartedReducerContinuesFromItsCheckpointWithTheSameOuterSteps() {
    var straight = reducer();
    roundOne(straight);
    for (int f = 0; f < 2; f++) {
      straight.deliver(0, gradient(f, 2, -1f));
      straight.deliver(1, gradient(f, 2, 2f));
      averageSent(straight, f, 2);
    }
    straight.finishJobs();
    float[] expected = finished;
    finished = null;
    rounds.clear();

    var storage = new dev.starling.node.runtime.MemoryStorage();
    roundOne(reducer(storage)); // then killed
    assertEquals(List.of(1), rounds);
    rounds.clear();
    var rt = reducer(storage);
    assertTrue(rt.log().stream().anyMatch(l -> l.contains("reducer resumes from its checkpoint: syncs [1, 1] done, round 1")),
        rt.log().toString());
    // A replica that missed sync 1's average (sent just before the crash) sends its gradient again: the same average.
    rt.deliver(1, gradient(1, 1, 3f));
    List<ScriptedRuntime.Sent> again = rt.takeSent();
    assertEquals(List.of(1), again.stream().map(ScriptedRuntime.Sent::to).toList());
    assertEquals(1, again.get(0).envelope().getOuterAverage().getSync());
    for (int f = 0; f < 2; f++) {
      rt.deliver(0, gradient(f, 2, -1f));
      rt.deliver(1, gradient(f, 2, 2f));
      averageSent(rt, f, 2);
    }
    rt.finishJobs();
    assertArrayEquals(expected, finished, 0f, "the restart changed no outer step");
    assertEquals(List.of(2), rounds, "round 1 is not reported again");
  }

  @Test
  void aRejoiningReplicaGetsEachFragmentsOuterParametersAndMomentum() {
    var rt = reducer();
    roundOne(rt);
    rt.deliver(1, Envelope.newBuilder().setOuterStateRequest(
        dev.starling.node.wire.proto.OuterStateRequest.getDefaultInstance()).build());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(2, sent.size());
    // Asking again at once gets nothing (each answer is the whole model); after half a timeout it does.
    var again = Envelope.newBuilder().setOuterStateRequest(
        dev.starling.node.wire.proto.OuterStateRequest.getDefaultInstance()).build();
    rt.deliver(1, again);
    assertTrue(rt.takeSent().isEmpty());
    assertTrue(rt.rejections().get(rt.rejections().size() - 1).contains("asked again within 30.0 s"), rt.rejections().toString());
    rt.advance(31);
    rt.deliver(1, again);
    assertEquals(2, rt.takeSent().size());
    float[] global = new float[P];
    float[] momentum = new float[P];
    for (int f = 0; f < 2; f++) {
      float[] avg = new float[len(f)];
      Arrays.fill(avg, (1f + f + 3f) / 2);
      OuterNesterov.step(global, momentum, SCHEDULE.indices(f, P), avg, LR, MU);
    }
    for (int f = 0; f < 2; f++) {
      var st = sent.get(f).envelope().getOuterState();
      assertEquals(1, sent.get(f).to());
      assertEquals(f, st.getFragment());
      assertEquals(1, st.getSync());
      int[] idx = SCHEDULE.indices(f, P);
      float[] p = Tensors.decode(st.getParams(), idx.length);
      float[] m = Tensors.decode(st.getMomentum(), idx.length);
      for (int j = 0; j < idx.length; j++) {
        assertEquals(global[idx[j]], p[j], 0f);
        assertEquals(momentum[idx[j]], m[j], 0f);
      }
    }
  }

  @Test
  void averagesEachFragmentOnceEveryReplicaSentAndAppliesTheOuterStep() {
    var rt = reducer();
    rt.deliver(0, gradient(0, 1, 1f));
    assertTrue(rt.takeSent().isEmpty(), "replica 1 has not sent fragment 0");
    rt.deliver(0, gradient(0, 1, 5f)); // a resend replaces the replica's earlier gradient
    rt.deliver(1, gradient(0, 1, 3f));
    OuterAverage a0 = averageSent(rt, 0, 1);
    float[] avg0 = new float[len(0)];
    Arrays.fill(avg0, 4f);
    assertArrayEquals(avg0, Tensors.decode(a0.getAverage(), len(0)), 0f);
    assertTrue(rounds.isEmpty(), "a round ends when every fragment synced");

    rt.deliver(1, gradient(1, 1, 2f));
    rt.deliver(0, gradient(1, 1, 2f));
    averageSent(rt, 1, 1);
    assertEquals(1, rt.finishJobs(), "the round's global model is evaluated");
    assertEquals(List.of(1), rounds);
    assertNotNull(accuracies.get(0));

    for (int f = 0; f < 2; f++) {
      rt.deliver(0, gradient(f, 2, -1f));
      rt.deliver(1, gradient(f, 2, -1f));
      averageSent(rt, f, 2);
    }
    rt.finishJobs();
    assertEquals(List.of(1, 2), rounds);
    float[] global = new float[P];
    float[] momentum = new float[P];
    OuterNesterov.step(global, momentum, SCHEDULE.indices(0, P), avg0, LR, MU);
    float[] twos = new float[len(1)];
    Arrays.fill(twos, 2f);
    OuterNesterov.step(global, momentum, SCHEDULE.indices(1, P), twos, LR, MU);
    for (int f = 0; f < 2; f++) {
      float[] minus = new float[len(f)];
      Arrays.fill(minus, -1f);
      OuterNesterov.step(global, momentum, SCHEDULE.indices(f, P), minus, LR, MU);
    }
    assertArrayEquals(global, finished, 0f);
  }

  @Test
  void dropsStrangersStaleSyncsUnknownFragmentsAndWrongLengths() {
    var rt = reducer();
    rt.deliver(5, gradient(0, 1, 1f)); // not a replica
    rt.deliver(0, RoleFixtures.update(1, 0, 1f, 1)); // not a gradient
    rt.deliver(0, gradient(2, 1, 1f)); // no fragment 2
    rt.deliver(0, gradient(-1, 1, 1f)); // fragment 2^32-1 on the wire
    rt.deliver(0, gradient(0, 0, 1f)); // sync 0
    rt.deliver(0, gradient(0, 3, 1f)); // beyond the last round
    rt.deliver(0, gradient(0, -1L, 1f)); // sync 2^64-1 on the wire
    rt.deliver(0, gradient(0, 1, 1f, len(0) + 1)); // wrong length
    assertEquals(8, rt.log().stream().filter(l -> l.startsWith("WARN")).count(), rt.log().toString());
    assertTrue(rt.alive(), "bad input must not stop the reducer");
    rt.deliver(1, gradient(0, 1, 1f));
    assertTrue(rt.takeSent().isEmpty(), "nothing of replica 0 was accepted");
    rt.deliver(0, gradient(0, 1, 3f));
    averageSent(rt, 0, 1);
    rt.deliver(1, gradient(0, 1, 9f)); // fragment 0, sync 1 is done: the same average again, to the sender alone
    assertEquals(List.of(1), rt.takeSent().stream().map(ScriptedRuntime.Sent::to).toList());
    rt.deliver(0, gradient(0, 2, 1f));
    rt.deliver(1, gradient(0, 2, 1f));
    averageSent(rt, 0, 2);
    rt.deliver(1, gradient(0, 1, 9f)); // two syncs back
    assertTrue(rt.takeSent().isEmpty());
    assertTrue(rt.log().get(rt.log().size() - 1).contains("stale"), rt.log().toString());
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = reducer();
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(107, P, List.of(gradient(0, 1, 0.5f), gradient(0, 2, -0.5f)))
        .run(rt, 20_000, 0, 1, REDUCER, -1, 3, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
