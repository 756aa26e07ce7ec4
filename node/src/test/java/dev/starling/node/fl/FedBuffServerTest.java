package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.ServerSgd;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.sampling.client.FixedCountSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The FedBuff server on a scripted runtime: C clients in flight, a server step every K updates with
 * staleness-weighted averaging, a reporting client replaced by an idle one, a silent one replaced
 * at the deadline and its late update dropped, and twenty thousand fuzzed envelopes survived.
 */
class FedBuffServerTest {

  static final int PARAMS = RoleFixtures.PARAMS;

  final FlServerTest.Recorder rec = new FlServerTest.Recorder();

  ScriptedRuntime<FedBuffServer.Command> server(int clients, int k, int c, FedBuffServer.Staleness staleness, int steps) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 1; i <= clients; i++) {
      ids.add(i);
    }
    FlServer.Setup setup = new FlServer.Setup(new FlServer.Sampling(ids, new FixedCountSampler(1)),
        new FlServer.Schedule(steps, Duration.ofSeconds(10), 1, 1, 1),
        new FlServer.Strategy(new FedAvg(), new AggregateAndStep(new ServerSgd(1.0))),
        new FlServer.Learning(new float[PARAMS], RoleFixtures.models(), RoleFixtures.testData()), FlServer.Privacy.none(), 42);
    return new ScriptedRuntime<>(0, ports -> FedBuffServer.create(ports, setup, new FedBuffServer.Params(k, c, staleness),
        new FedAvg(), new ServerSgd(1.0), rec));
  }

  /** The requests just sent, by client: {version, dispatch}. */
  private static Map<Integer, int[]> requests(ScriptedRuntime<?> rt) {
    Map<Integer, int[]> out = new TreeMap<>();
    for (ScriptedRuntime.Sent s : rt.takeSent()) {
      assertEquals(Envelope.BodyCase.TRAIN_REQUEST, s.envelope().getBodyCase());
      TrainRequest r = s.envelope().getTrainRequest();
      out.put(s.to(), new int[] {r.getRound(), r.getAttempt()});
    }
    return out;
  }

  @Test
  void stepsEveryKUpdatesWeightingStaleOnesDown() {
    var rt = server(4, 2, 3, new FedBuffServer.Staleness.Polynomial(1.0), 2);
    rt.tell(new FedBuffServer.Start());
    Map<Integer, int[]> first = requests(rt);
    assertEquals(3, first.size(), "C clients in flight");
    List<Integer> ids = new ArrayList<>(first.keySet());
    int a = ids.get(0);
    int b = ids.get(1);
    int stale = ids.get(2);
    rt.deliver(a, RoleFixtures.update(0, first.get(a)[1], 1f, 1));
    Map<Integer, int[]> replaced = requests(rt);
    assertEquals(1, replaced.size(), "the reporter is replaced at once");
    int idle = replaced.keySet().iterator().next();
    assertTrue(!first.containsKey(idle) || idle == a);
    rt.deliver(b, RoleFixtures.update(0, first.get(b)[1], 3f, 1));
    rt.finishJobs();
    assertEquals(1, rec.rounds.size(), "K = 2 updates: one server step");
    assertArrayEquals(RoleFixtures.filled(2f), rec.globals.get(0), 1e-6f);
    assertEquals(0.0, rec.rounds.get(0).staleness().mean());
    requests(rt);
    // The third client trained on version 0 while the model moved to 1: staleness 1, weight 1/2.
    rt.deliver(stale, RoleFixtures.update(0, first.get(stale)[1], 4f, 1));
    Map<Integer, int[]> next = requests(rt);
    int fresh = next.keySet().iterator().next();
    rt.deliver(fresh, RoleFixtures.update(next.get(fresh)[0], next.get(fresh)[1], 1f, 1));
    rt.finishJobs();
    assertEquals(2, rec.rounds.size());
    assertEquals(0.5, rec.rounds.get(1).staleness().mean());
    assertEquals(1, rec.rounds.get(1).staleness().max());
    // mean of 4 (weight 1/2) and 1 (weight 1): 2, added to the model at 2
    assertArrayEquals(RoleFixtures.filled(4f), rec.globals.get(1), 1e-6f);
    assertTrue(rec.finished != null, "the last step ends the run");
  }

  @Test
  void aSilentClientIsReplacedAndItsLateUpdateDropped() {
    var rt = server(3, 1, 1, new FedBuffServer.Staleness.Constant(), 3);
    rt.tell(new FedBuffServer.Start());
    Map<Integer, int[]> first = requests(rt);
    int silent = first.keySet().iterator().next();
    rt.advance(11);
    Object key = rt.pendingTimers().stream().filter(k -> k.toString().startsWith("silent-")).findFirst().orElseThrow();
    rt.fire(key);
    Map<Integer, int[]> replacement = requests(rt);
    assertEquals(1, replacement.size());
    assertTrue(!replacement.containsKey(silent), "another client takes its place");
    rt.deliver(silent, RoleFixtures.update(0, first.get(silent)[1], 5f, 1));
    rt.finishJobs();
    assertTrue(rec.rounds.isEmpty(), "the late update is not folded in");
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = server(3, 2, 2, new FedBuffServer.Staleness.Hinge(10, 1), 1_000_000);
    rt.tell(new FedBuffServer.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(105, PARAMS, List.of(RoleFixtures.update(0, 1, 0.5f, 3),
        RoleFixtures.update(1, 2, -0.5f, 1))).run(rt, 20_000, 1, 2, 3, 0, -1, 7);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }

  private static Envelope result(int round, long samples, double accuracy, double loss) {
    return Envelope.newBuilder().setEvaluateResult(dev.starling.node.wire.proto.EvaluateResult.newBuilder().setRound(round)
        .setNumSamples(samples).setAccuracy(accuracy).setLoss(loss)).build();
  }

  @Test
  void federatedEvaluationTakesOneValidAnswerPerInvitedClient() {
    List<Integer> ids = List.of(1, 2, 3, 4, 5, 6);
    FlServer.Setup setup = new FlServer.Setup(new FlServer.Sampling(ids, new FixedCountSampler(1)),
        new FlServer.Schedule(1, Duration.ofSeconds(10), 1, 1, 1, new FlServer.FederatedEval(1, 2)),
        new FlServer.Strategy(new FedAvg(), new AggregateAndStep(new ServerSgd(1.0))),
        new FlServer.Learning(new float[PARAMS], RoleFixtures.models(), RoleFixtures.testData()), FlServer.Privacy.none(), 42);
    var rt = new ScriptedRuntime<FedBuffServer.Command>(0, ports -> FedBuffServer.create(ports, setup,
        new FedBuffServer.Params(1, 1, new FedBuffServer.Staleness.Constant()), new FedAvg(), new ServerSgd(1.0), rec));
    rt.tell(new FedBuffServer.Start());
    Map<Integer, int[]> first = requests(rt);
    int a = first.keySet().iterator().next();
    rt.deliver(a, RoleFixtures.update(0, first.get(a)[1], 1f, 1)); // step 1, the last: its model is evaluated
    List<Integer> asked = new ArrayList<>();
    for (ScriptedRuntime.Sent sent : rt.takeSent()) {
      assertEquals(Envelope.BodyCase.EVALUATE_REQUEST, sent.envelope().getBodyCase());
      assertEquals(1, sent.envelope().getEvaluateRequest().getRound());
      asked.add(sent.to());
    }
    assertEquals(2, asked.size());
    int x = asked.get(0);
    int y = asked.get(1);
    int outsider = ids.stream().filter(c -> !asked.contains(c)).findFirst().orElseThrow();
    rt.finishJobs(); // the central evaluation; the step still waits for its clients
    assertTrue(rec.rounds.isEmpty());
    int before = rt.rejections().size();
    rt.deliver(x, result(1, 10, 1.5, 0.1)); // forged: accuracy above 1
    rt.deliver(x, result(1, 10, 0.5, Double.NaN)); // forged: NaN loss
    assertEquals(before + 2, rt.rejections().size(), "malformed answers are refused and counted");
    rt.deliver(outsider, result(1, 1000, 0.0, 9.0)); // not asked
    rt.deliver(x, result(7, 1000, 0.0, 9.0)); // another step
    rt.deliver(x, result(1, 10, 0.9, 0.2));
    rt.deliver(x, result(1, 1000, 0.0, 9.0)); // a duplicate
    assertTrue(rec.rounds.isEmpty(), "one of two invited clients answered");
    rt.deliver(y, result(1, 30, 0.5, 0.4));
    assertEquals(1, rec.rounds.size());
    RoundRecord.Federated f = rec.rounds.get(0).federated();
    assertEquals(2, f.asked());
    assertEquals(2, f.answered());
    assertEquals(40, f.evaluation().samples());
    assertEquals((0.9 * 10 + 0.5 * 30) / 40, f.evaluation().accuracy(), 1e-12);
    assertEquals(0.5, f.accuracyP10(), 1e-12);
    assertTrue(rec.finished != null, "the last step reported, the run is finished");
    rt.deliver(y, result(1, 30, 0.0, 0.4)); // late: the step is reported
    assertEquals(1, rec.rounds.size());
  }
}
