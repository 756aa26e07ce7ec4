package dev.starling.node.diloco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.learning.Model;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.OuterAverage;
import dev.starling.node.wire.proto.OuterGradient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A DiLoCo replica on a scripted runtime: H = 2 inner steps, one fragment, no overlap, 4 steps in all. */
class DilocoReplicaTest {

  static final int ME = 0;
  static final int REDUCER = 2;
  static final int P = RoleFixtures.PARAMS;
  static final float LR = 0.7f;
  static final float MU = 0.9f;
  static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(10);

  final List<String> applied = new ArrayList<>();
  final List<Integer> finished = new ArrayList<>();
  final List<String> rejoined = new ArrayList<>();

  ScriptedRuntime<DilocoReplica.Command> replica() {
    return replica(dev.starling.node.runtime.Storage.NONE);
  }

  ScriptedRuntime<DilocoReplica.Command> replica(dev.starling.node.runtime.Storage storage) {
    DilocoListener listener = new DilocoListener() {
      @Override
      public void roundCompleted(int round, Double accuracy, Double loss, float[] global, double trainLoss, long bytes) {}

      @Override
      public void finished(float[] global) {}

      @Override
      public void replicaApplied(int replica, int fragment, long sync, String globalSha) {
        applied.add(replica + "/" + fragment + "/" + sync + "/" + globalSha);
      }

      @Override
      public void replicaRejoined(int replica, long step, long[] syncs) {
        rejoined.add(replica + " at " + step + " " + java.util.Arrays.toString(syncs));
      }

      @Override
      public void replicaFinished(int replica) {
        finished.add(replica);
      }
    };
    Model model = RoleFixtures.models().newModel(1);
    var setup = new DilocoReplica.Setup(REDUCER, new DilocoSchedule(2, 1, 0, 0, true), 4, 2, LR, MU, model, new float[P],
        RoleFixtures.testData(), new int[] {0, 1, 2, 3}, Codecs.of("fp32", 0, false), 9, listener, 1.0,
        TIMEOUT);
    return new ScriptedRuntime<>(ME, storage, ports -> DilocoReplica.create(ports, setup));
  }

  static Envelope average(int fragment, long sync, float[] avg) {
    return Envelope.newBuilder().setOuterAverage(OuterAverage.newBuilder().setFragment(fragment).setSync(sync)
        .setAverage(Tensors.fp32(avg)).setParticipants(2)).build();
  }

  /** Finishes the inner steps and returns the outer gradient sent to the reducer. */
  static OuterGradient trainAndSend(ScriptedRuntime<DilocoReplica.Command> rt, long sync) {
    assertEquals(1, rt.finishJobs());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size());
    assertEquals(REDUCER, sent.get(0).to());
    OuterGradient g = sent.get(0).envelope().getOuterGradient();
    assertEquals(0, g.getFragment());
    assertEquals(sync, g.getSync());
    return g;
  }

  @Test
  void sendsEachOuterGradientWaitsForItsAverageAndAppliesTheOuterStep() {
    var rt = replica();
    rt.tell(new DilocoReplica.Start());
    OuterGradient g1 = trainAndSend(rt, 1);
    float[] delta = Tensors.decode(g1.getDelta(), P);
    boolean moved = false;
    for (float d : delta) {
      moved |= d != 0;
    }
    assertTrue(moved, "two inner steps changed the local model");
    assertEquals(0, rt.pendingJobs(), "no overlap: the replica waits for the average");

    float[] avg = RoleFixtures.filled(0.5f);
    rt.deliver(REDUCER, average(0, 1, avg));
    float[] global = new float[P];
    float[] momentum = new float[P];
    OuterNesterov.step(global, momentum, new DilocoSchedule(2, 1, 0, 0, true).indices(0, P), avg, LR, MU);
    assertEquals(List.of("0/0/1/" + DilocoReplica.sha(global)), applied);
    assertEquals(1, rt.pendingJobs(), "training resumes after the apply");

    trainAndSend(rt, 2);
    assertTrue(finished.isEmpty(), "the last average is still out");
    rt.deliver(REDUCER, average(0, 2, avg));
    assertEquals(2, applied.size());
    assertEquals(List.of(ME), finished);
  }

  @Test
  void dropsAveragesFromOthersForUnknownFragmentsOrSyncsAndOfTheWrongLength() {
    var rt = replica();
    rt.tell(new DilocoReplica.Start());
    trainAndSend(rt, 1);
    float[] avg = RoleFixtures.filled(0.5f);
    rt.deliver(1, average(0, 1, avg)); // not the reducer
    rt.deliver(REDUCER, average(1, 1, avg)); // no fragment 1
    rt.deliver(REDUCER, average(-1, 1, avg)); // fragment 2^32-1 on the wire
    rt.deliver(REDUCER, average(0, 7, avg)); // a sync this replica never sent
    rt.deliver(REDUCER, average(0, 1, new float[P - 1]));
    rt.deliver(REDUCER, outerGradient());
    assertEquals(6, rt.log().stream().filter(l -> l.startsWith("WARN")).count(), rt.log().toString());
    assertTrue(applied.isEmpty());
    assertEquals(0, rt.pendingJobs(), "still waiting for the real average");
    assertTrue(rt.alive());
    rt.deliver(REDUCER, average(0, 1, avg));
    assertEquals(1, applied.size());
  }

  @Test
  void aReplicaWithNoAverageInTimeFailsWithOneLineNamingTheReducer() {
    var rt = replica();
    rt.tell(new DilocoReplica.Start());
    trainAndSend(rt, 1);
    assertEquals(List.of("average"), rt.pendingTimers(), "blocked on the average: the wait is bounded");
    rt.deliver(REDUCER, average(0, 1, RoleFixtures.filled(0.5f)));
    assertTrue(rt.pendingTimers().isEmpty(), "the average came: no wait runs while it trains");
    trainAndSend(rt, 2);
    assertTrue(rt.timerPending("average"));
    assertTrue(rt.fire("average"));
    assertTrue(rt.takeSent().isEmpty(), "one timeout: the reducer may be waiting for a slow replica");
    for (int tick = 2; tick <= 3; tick++) {
      assertTrue(rt.fire("average"));
      List<ScriptedRuntime.Sent> again = rt.takeSent();
      assertEquals(1, again.size(), "sent again, for a reducer that restarted");
      assertEquals(2, again.get(0).envelope().getOuterGradient().getSync());
    }
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> rt.fire("average"));
    assertTrue(e.getMessage().contains("replica 0 got no average for fragment 0 sync 2 from the reducer (node 2) within 40 s"),
        e.getMessage());
  }

  @Test
  void aRestartedReplicaRejoinsAtTheReducersOuterState() {
    var storage = new dev.starling.node.runtime.MemoryStorage();
    var first = replica(storage);
    first.tell(new DilocoReplica.Start());
    trainAndSend(first, 1); // then killed: its average never comes
    var rt = replica(storage);
    rt.tell(new DilocoReplica.Start());
    List<ScriptedRuntime.Sent> asked = rt.takeSent();
    assertEquals(1, asked.size());
    assertEquals(REDUCER, asked.get(0).to());
    assertTrue(asked.get(0).envelope().hasOuterStateRequest(), "a restarted replica asks where the run stands");
    assertEquals(0, rt.pendingJobs(), "it does not train from the initial model");
    rt.deliver(1, state(1, RoleFixtures.filled(0.3f), RoleFixtures.filled(0.1f))); // not the reducer
    assertEquals(0, rt.pendingJobs());
    float[] g = RoleFixtures.filled(0.3f);
    float[] m = RoleFixtures.filled(0.1f);
    rt.deliver(REDUCER, state(1, g, m));
    assertEquals(List.of("0 at 2 [1]"), rejoined);
    // It trains steps 3..4 from the reducer's parameters and sends sync 2 of the total 2.
    OuterGradient g2 = trainAndSend(rt, 2);
    float[] local = Tensors.decode(g2.getDelta(), P);
    boolean fromState = false;
    for (int i = 0; i < P; i++) {
      fromState |= local[i] != 0; // delta = G - local after two steps from G
    }
    assertTrue(fromState);
    float[] avg = RoleFixtures.filled(0.5f);
    rt.deliver(REDUCER, average(0, 2, avg));
    float[] global = g.clone();
    float[] momentum = m.clone();
    OuterNesterov.step(global, momentum, new DilocoSchedule(2, 1, 0, 0, true).indices(0, P), avg, LR, MU);
    assertEquals("0/0/2/" + DilocoReplica.sha(global), applied.get(applied.size() - 1),
        "the outer step continues from the reducer's parameters and momentum");
    assertEquals(List.of(ME), finished);
  }

  static Envelope state(long sync, float[] params, float[] momentum) {
    return Envelope.newBuilder().setOuterState(dev.starling.node.wire.proto.OuterState.newBuilder().setFragment(0)
        .setSync(sync).setParams(Tensors.fp32(params)).setMomentum(Tensors.fp32(momentum))).build();
  }

  private static Envelope outerGradient() {
    return Envelope.newBuilder().setOuterGradient(OuterGradient.newBuilder().setFragment(0).setSync(1)
        .setDelta(Tensors.fp32(new float[P]))).build();
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = replica();
    rt.tell(new DilocoReplica.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(106, P, List.of(average(0, 1, RoleFixtures.filled(0.1f)),
        average(0, 2, RoleFixtures.filled(-0.1f)))).holding("average").run(rt, 20_000, REDUCER, REDUCER, 1, ME, -1, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }

  @Test
  void aRejoiningReplicaSurvivesTwentyThousandFuzzedEnvelopes() {
    var storage = new dev.starling.node.runtime.MemoryStorage();
    replica(storage);
    var rt = replica(storage); // restarted: it waits for the reducer's outer state
    rt.tell(new DilocoReplica.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(108, P, List.of(state(1, RoleFixtures.filled(0.2f),
        RoleFixtures.filled(0.1f)), state(2, RoleFixtures.filled(-0.2f), RoleFixtures.filled(0f)),
        average(0, 2, RoleFixtures.filled(0.1f)))).holding("average", "state").run(rt, 20_000, REDUCER, REDUCER, 1, ME, -1);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
