package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.FedAvg;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.EvaluateRequest;
import dev.starling.node.wire.proto.EvaluateResult;
import dev.starling.node.wire.proto.NamedTensor;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.sampling.client.FixedCountSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The server's side of the strategy API on a scripted runtime: the round config reaches every
 * invited client, the strategy's extra tensors are checked before they count, and federated
 * evaluation asks fresh clients and combines their answers.
 */
class FlStrategyServerTest {

  static final int PARAMS = RoleFixtures.PARAMS;

  /** A strategy that sends the round number and moves the model by the mean of the clients' tensor "x". */
  static final class Scripted implements FlStrategy {
    final List<List<ClientUpdate>> seen = new ArrayList<>();

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public RoundConfig configureFit(int round) {
      return new RoundConfig(Map.of("round", (double) round), Map.of("t", RoleFixtures.filled(round)));
    }

    @Override
    public Set<String> clientTensors() {
      return Set.of("x");
    }

    @Override
    public void aggregateFit(int round, List<ClientUpdate> updates, Aggregator rule, float[] global) {
      seen.add(updates);
      for (int j = 0; j < global.length; j++) {
        float s = 0;
        for (ClientUpdate u : updates) {
          s += u.tensor("x")[j];
        }
        global[j] += s / updates.size();
      }
    }
  }

  final FlServerTest.Recorder rec = new FlServerTest.Recorder();
  final Scripted strategy = new Scripted();

  ScriptedRuntime<FlServer.Command> server(int rounds, FlServer.FederatedEval fed) {
    FlServer.Setup setup = new FlServer.Setup(new FlServer.Sampling(List.of(1, 2, 3), new FixedCountSampler(2)),
        new FlServer.Schedule(rounds, Duration.ofSeconds(10), 1, 3, 1, fed),
        new FlServer.Strategy(new FedAvg(), strategy),
        new FlServer.Learning(new float[PARAMS], RoleFixtures.models(), RoleFixtures.testData()), FlServer.Privacy.none(), 42);
    return new ScriptedRuntime<>(0, ports -> FlServer.create(ports, setup, rec));
  }

  static Envelope update(int round, float x, String name, int length) {
    Envelope base = RoleFixtures.update(round, 0, 0f, 1);
    float[] t = new float[length];
    java.util.Arrays.fill(t, x);
    return base.toBuilder().setModelUpdate(base.getModelUpdate().toBuilder()
        .addTensors(NamedTensor.newBuilder().setName(name).setTensor(Tensors.fp32(t)))).build();
  }

  static Envelope evaluation(int round, long samples, double accuracy, double loss) {
    return Envelope.newBuilder().setEvaluateResult(EvaluateResult.newBuilder().setRound(round).setNumSamples(samples)
        .setAccuracy(accuracy).setLoss(loss)).build();
  }

  List<Integer> trainRequests(ScriptedRuntime<?> rt, int round) {
    List<Integer> to = new ArrayList<>();
    for (ScriptedRuntime.Sent s : rt.takeSent()) {
      TrainRequest r = s.envelope().getTrainRequest();
      assertEquals(round, r.getRound());
      assertEquals(Map.of("round", (double) round), r.getConfigMap());
      assertEquals(1, r.getConfigTensorsCount());
      assertEquals("t", r.getConfigTensors(0).getName());
      assertArrayEquals(RoleFixtures.filled(round), Tensors.decode(r.getConfigTensors(0).getTensor(), PARAMS), 0f);
      to.add(s.to());
    }
    return to;
  }

  @Test
  void theRoundConfigReachesEveryInvitedClientAndOnlyUpdatesWithTheStrategysTensorsCount() {
    var rt = server(1, FlServer.FederatedEval.OFF);
    rt.tell(new FlServer.Start());
    List<Integer> inv = trainRequests(rt, 1);
    assertEquals(2, inv.size());

    rt.deliver(inv.get(0), RoleFixtures.update(1, 0, 0f, 1)); // no "x"
    rt.deliver(inv.get(0), update(1, 1f, "y", PARAMS)); // the wrong name
    rt.deliver(inv.get(0), update(1, 1f, "x", PARAMS - 1)); // the wrong length
    assertEquals(3, rt.log().stream().filter(l -> l.startsWith("WARN") && l.contains("rejected")).count(),
        rt.log().toString());
    assertEquals(0, rt.pendingJobs(), "an update without the strategy's tensors must not count");

    rt.deliver(inv.get(0), update(1, 2f, "x", PARAMS));
    rt.deliver(inv.get(1), update(1, 4f, "x", PARAMS));
    rt.finishJobs();
    assertEquals(1, strategy.seen.size());
    assertEquals(inv, strategy.seen.get(0).stream().map(ClientUpdate::client).toList(), "ascending client id");
    assertArrayEquals(RoleFixtures.filled(3f), rec.finished, 0f);
    assertNull(rec.rounds.get(0).federated(), "no federated evaluation when it is off");
  }

  @Test
  void federatedEvaluationAsksFreshClientsAndCombinesTheirValidAnswersBeforeTheRoundIsReported() {
    var rt = server(2, new FlServer.FederatedEval(1, 2));
    rt.tell(new FlServer.Start());
    List<Integer> inv = trainRequests(rt, 1);
    rt.deliver(inv.get(0), update(1, 2f, "x", PARAMS));
    rt.deliver(inv.get(1), update(1, 2f, "x", PARAMS));
    rt.finishJobs(); // the central evaluation

    List<Integer> asked = new ArrayList<>();
    for (ScriptedRuntime.Sent s : rt.takeSent()) {
      assertEquals(Envelope.BodyCase.EVALUATE_REQUEST, s.envelope().getBodyCase());
      EvaluateRequest r = s.envelope().getEvaluateRequest();
      assertEquals(1, r.getRound());
      assertArrayEquals(RoleFixtures.filled(2f), Tensors.decode(r.getModel(), PARAMS), 0f);
      asked.add(s.to());
    }
    assertEquals(2, asked.size());
    assertTrue(rec.rounds.isEmpty(), "the round is reported once its federated evaluation is in");
    int outsider = List.of(1, 2, 3).stream().filter(c -> !asked.contains(c)).findFirst().orElseThrow();

    rt.deliver(outsider, evaluation(1, 10, 0.0, 1.0)); // not asked
    rt.deliver(asked.get(0), evaluation(1, 10, 1.5, 1.0)); // accuracy above 1
    rt.deliver(asked.get(0), evaluation(1, 10, 0.5, Double.NaN));
    rt.deliver(asked.get(0), evaluation(1, 1L << 40, 0.5, 1.0));
    assertEquals(3, rt.log().stream().filter(l -> l.startsWith("WARN") && l.contains("rejected an evaluation")).count(),
        rt.log().toString());
    rt.deliver(asked.get(0), evaluation(1, 1, 1.0, 1.0));
    rt.deliver(asked.get(0), evaluation(1, 100, 0.0, 9.0)); // a duplicate: the first stands
    assertTrue(rec.rounds.isEmpty());
    rt.deliver(asked.get(1), evaluation(1, 3, 0.0, 2.0));

    assertEquals(1, rec.rounds.size());
    RoundRecord.Federated f = rec.rounds.get(0).federated();
    assertEquals(2, f.asked());
    assertEquals(2, f.answered());
    assertEquals(new Evaluation(0.25, 1.75, 4), f.evaluation()); // weighted by samples 1 and 3
    assertEquals(2, trainRequests(rt, 2).size(), "the next round starts after the evaluation");
    rt.deliver(asked.get(1), evaluation(1, 50, 1.0, 0.0)); // late: round 1's evaluation is closed
    rt.deliver(asked.get(1), evaluation(2, 50, 1.0, 0.0)); // early: round 2 has asked nobody yet
    assertEquals(1, rec.rounds.size());
    assertEquals(new Evaluation(0.25, 1.75, 4), rec.rounds.get(0).federated().evaluation(), "the record stands");
    assertTrue(rt.takeSent().isEmpty(), "a stray evaluation starts nothing");
  }

  @Test
  void federatedEvaluationClosesAtTheDeadlineWithWhatArrived() {
    var rt = server(1, new FlServer.FederatedEval(1, 3));
    rt.tell(new FlServer.Start());
    List<Integer> inv = trainRequests(rt, 1);
    rt.deliver(inv.get(0), update(1, 2f, "x", PARAMS));
    rt.deliver(inv.get(1), update(1, 2f, "x", PARAMS));
    rt.finishJobs();
    assertEquals(3, rt.takeSent().size());
    rt.deliver(2, evaluation(1, 5, 0.8, 0.3));
    assertTrue(rt.fire("fed-deadline"));
    assertEquals(1, rec.rounds.get(0).federated().answered());
    assertEquals(3, rec.rounds.get(0).federated().asked());
    assertEquals(0.8, rec.rounds.get(0).federated().evaluation().accuracy(), 0);
    assertFalse(rt.alive(), "the last round is over");
  }
}
