package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.ServerSgd;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.Ping;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.sampling.client.FixedCountSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every message handler of the FL server on a scripted runtime: good, duplicate, uninvited, invalid, late and timed-out inputs. */
class FlServerTest {

  static final int PARAMS = RoleFixtures.PARAMS;

  /** What the server reported. */
  static final class Recorder implements RoundListener {
    final List<RoundRecord> rounds = new ArrayList<>();
    final List<float[]> globals = new ArrayList<>();
    float[] finished;
    String failed;

    @Override
    public void roundCompleted(RoundRecord r, float[] global) {
      rounds.add(r);
      globals.add(global.clone());
    }

    @Override
    public void finished(float[] params) {
      finished = params;
    }

    @Override
    public void failed(String reason) {
      failed = reason;
    }
  }

  final Recorder rec = new Recorder();

  ScriptedRuntime<FlServer.Command> server(int perRound, int minClients, int maxAttempts, int rounds) {
    FlServer.Setup setup = new FlServer.Setup(new FlServer.Sampling(List.of(1, 2, 3), new FixedCountSampler(perRound)),
        new FlServer.Schedule(rounds, Duration.ofSeconds(10), minClients, maxAttempts, 1),
        new FlServer.Strategy(new FedAvg(), new ServerSgd(1.0)),
        new FlServer.Learning(new float[PARAMS], RoleFixtures.models(), RoleFixtures.testData()), FlServer.Privacy.none(), 42);
    return new ScriptedRuntime<>(0, ports -> FlServer.create(ports, setup, rec));
  }

  /** The clients invited by the requests just sent, checking each asks for (round, attempt) with {@code model}. */
  static List<Integer> invited(ScriptedRuntime<?> rt, int round, int attempt, float[] model) {
    List<Integer> to = new ArrayList<>();
    for (ScriptedRuntime.Sent s : rt.takeSent()) {
      assertEquals(Envelope.BodyCase.TRAIN_REQUEST, s.envelope().getBodyCase());
      TrainRequest r = s.envelope().getTrainRequest();
      assertEquals(round, r.getRound());
      assertEquals(attempt, r.getAttempt());
      assertArrayEquals(model, Tensors.decode(r.getModel(), PARAMS));
      to.add(s.to());
    }
    return to;
  }

  @Test
  void invitesTheSampleAndFoldsTheWeightedMeanOnceTheTargetArrives() {
    var rt = server(2, 1, 3, 2);
    rt.tell(new FlServer.Start());
    List<Integer> inv = invited(rt, 1, 0, new float[PARAMS]);
    assertEquals(2, inv.size());
    assertTrue(List.of(1, 2, 3).containsAll(inv) && inv.get(0) < inv.get(1), inv.toString());
    assertTrue(rt.timerPending("deadline"));

    rt.deliver(inv.get(0), RoleFixtures.update(1, 0, 1f, 1));
    assertEquals(0, rt.pendingJobs(), "one of two updates must not close the round");
    rt.deliver(inv.get(1), RoleFixtures.update(1, 0, 4f, 3));
    assertFalse(rt.timerPending("deadline"), "closing cancels the deadline");
    assertEquals(1, rt.pendingJobs(), "the closed round is evaluated off the actor");
    assertTrue(rec.rounds.isEmpty(), "the round is reported after its evaluation");

    rt.finishJobs();
    assertEquals(1, rec.rounds.size());
    RoundRecord r1 = rec.rounds.get(0);
    assertEquals(1, r1.round());
    assertEquals(1, r1.attempts());
    assertEquals(inv, r1.aggregated());
    assertNotNull(r1.evaluation());
    assertArrayEquals(RoleFixtures.filled(3.25f), rec.globals.get(0), 0f); // (1*1 + 4*3) / 4, server step 1
    assertEquals(0.5, r1.trainLoss(), 1e-6);

    List<Integer> inv2 = invited(rt, 2, 0, RoleFixtures.filled(3.25f));
    assertEquals(2, inv2.size());
    rt.deliver(inv2.get(0), RoleFixtures.update(2, 0, -1f, 2));
    rt.deliver(inv2.get(1), RoleFixtures.update(2, 0, -1f, 2));
    rt.finishJobs();
    assertArrayEquals(RoleFixtures.filled(2.25f), rec.finished, 0f);
    assertFalse(rt.alive(), "the server stops after the last round");
  }

  @Test
  void dropsDuplicateUninvitedInvalidAndLateUpdates() {
    var rt = server(2, 1, 3, 2);
    rt.tell(new FlServer.Start());
    List<Integer> inv = invited(rt, 1, 0, new float[PARAMS]);
    int outsider = List.of(1, 2, 3).stream().filter(c -> !inv.contains(c)).findFirst().orElseThrow();

    rt.deliver(outsider, RoleFixtures.update(1, 0, 100f, 1)); // uninvited
    rt.deliver(inv.get(0), RoleFixtures.update(1, 0, 2f, 1));
    rt.deliver(inv.get(0), RoleFixtures.update(1, 0, 100f, 1)); // duplicate: the first one stands
    assertEquals(0, rt.pendingJobs(), "an uninvited or duplicate update must not count");

    float[] shortDelta = new float[PARAMS - 1];
    rt.deliver(inv.get(1), Envelope.newBuilder().setModelUpdate(ModelUpdate.newBuilder().setRound(1)
        .setDelta(Tensors.fp32(shortDelta)).setNumSamples(1).setTrainLoss(0.1f)).build());
    rt.deliver(inv.get(1), Envelope.newBuilder().setModelUpdate(RoleFixtures.update(1, 0, 2f, 1).getModelUpdate().toBuilder()
        .setTrainLoss(Float.NaN)).build());
    rt.deliver(inv.get(1), RoleFixtures.update(1, 0, 2f, 0)); // no samples
    rt.deliver(inv.get(1), RoleFixtures.update(1, 0, 2f, 1L << 40)); // a weight beyond any real client
    rt.deliver(inv.get(1), RoleFixtures.update(2, 0, 2f, 1)); // a round that has not started
    rt.deliver(inv.get(1), Envelope.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build());
    assertEquals(0, rt.pendingJobs(), "invalid updates must not count");
    long rejected = rt.log().stream().filter(l -> l.startsWith("WARN") && l.contains("rejected")).count();
    assertEquals(4, rejected, rt.log().toString());
    assertTrue(rt.log().stream().anyMatch(l -> l.contains("dropped unexpected PING")), rt.log().toString());

    rt.deliver(inv.get(1), RoleFixtures.update(1, 0, 4f, 1));
    rt.finishJobs();
    assertEquals(inv, rec.rounds.get(0).aggregated());
    assertArrayEquals(RoleFixtures.filled(3f), rec.globals.get(0), 0f);

    List<Integer> inv2 = invited(rt, 2, 0, RoleFixtures.filled(3f));
    rt.deliver(inv.get(0), RoleFixtures.update(1, 0, 50f, 1)); // late: round 1 is over
    rt.deliver(inv2.get(0), RoleFixtures.update(2, 0, 1f, 1));
    assertEquals(0, rt.pendingJobs(), "a late update must not count for the next round");
    rt.deliver(inv2.get(1), RoleFixtures.update(2, 0, 1f, 1));
    rt.finishJobs();
    assertArrayEquals(RoleFixtures.filled(4f), rec.finished, 0f);
  }

  @Test
  void aDeadlineWithTooFewUpdatesRetriesWithAFreshAttemptThenGivesUp() {
    var rt = server(2, 2, 2, 1);
    rt.tell(new FlServer.Start());
    List<Integer> inv = invited(rt, 1, 0, new float[PARAMS]);
    rt.deliver(inv.get(0), RoleFixtures.update(1, 0, 1f, 1));
    FlServer.Command staleDeadline = rt.timerMessage("deadline");
    assertTrue(rt.fire("deadline"));
    List<Integer> retry = invited(rt, 1, 1, new float[PARAMS]);
    assertEquals(2, retry.size());
    assertTrue(rt.log().stream().anyMatch(l -> l.contains("retrying")), rt.log().toString());

    rt.deliver(retry.get(0), RoleFixtures.update(1, 0, 1f, 1)); // an answer to attempt 0
    rt.tell(staleDeadline); // attempt 0's deadline, delivered late
    assertTrue(rt.takeSent().isEmpty(), "a stale deadline must not start another attempt");
    assertEquals(0, rt.pendingJobs());

    rt.deliver(retry.get(0), RoleFixtures.update(1, 1, 1f, 1));
    assertTrue(rt.fire("deadline"));
    assertNotNull(rec.failed);
    assertTrue(rec.failed.contains("min-clients=2") && rec.failed.contains("2 attempts"), rec.failed);
    assertFalse(rt.alive());
    assertTrue(rec.rounds.isEmpty());
  }

  @Test
  void aDeadlineWithEnoughUpdatesClosesWithWhatArrived() {
    var rt = server(3, 1, 3, 1);
    rt.tell(new FlServer.Start());
    List<Integer> inv = invited(rt, 1, 0, new float[PARAMS]);
    assertEquals(List.of(1, 2, 3), inv);
    rt.deliver(2, RoleFixtures.update(1, 0, 8f, 1));
    assertTrue(rt.fire("deadline"));
    rt.finishJobs();
    assertEquals(List.of(2), rec.rounds.get(0).aggregated());
    assertEquals(List.of(1, 2, 3), rec.rounds.get(0).invited());
    assertArrayEquals(RoleFixtures.filled(8f), rec.finished, 0f);
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = server(2, 1, 1_000_000, 1_000_000); // rounds may fail at their deadline, but never the run
    rt.tell(new FlServer.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(102, PARAMS, List.of(RoleFixtures.update(1, 0, 0.5f, 3),
        RoleFixtures.update(2, 1, -0.5f, 1))).run(rt, 20_000, 1, 2, 3, 0, -1, 7, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
