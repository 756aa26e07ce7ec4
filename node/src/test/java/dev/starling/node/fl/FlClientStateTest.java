package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.data.DenseDataset;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.EvaluateRequest;
import dev.starling.node.wire.proto.EvaluateResult;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.NamedTensor;
import dev.starling.node.wire.proto.TrainRequest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The client's side of the strategy API on a scripted runtime: the round config reaches its
 * training, its state carries over rounds (and only from updates it sent), and it answers
 * federated evaluation on its evaluation samples.
 */
class FlClientStateTest {

  static final int ME = 2;
  final ModelPool models = RoleFixtures.models();
  final DenseDataset data = RoleFixtures.testData();
  final int[] train = {0, 1};
  final int[] eval = {2, 3};

  /** Keeps a counter in its state: {@code n = 10 n + attempt + 1}; sends it and the config's "k" times it as "n". */
  static final ClientTraining COUNTING = t -> {
    float prev = t.state().containsKey("n") ? t.state().get("n")[0] : 0;
    float n = prev * 10 + attemptOf(t) + 1;
    LocalTrainer.Result r = LocalTrainer.train(t.model(), t.global(), t.data(), t.indices(), t.training(), t.seed());
    float[] out = new float[t.global().length];
    java.util.Arrays.fill(out, n * (float) t.config().scalar("k"));
    return new ClientTraining.ClientFit(r, Map.of("n", out), Map.of("n", new float[] {n}));
  };

  static int attemptOf(ClientTraining.FitTask t) {
    return (int) t.config().scalar("attempt");
  }

  ScriptedRuntime<FlClient.Command> client() {
    FlClient.Setup setup = new FlClient.Setup(data, train, models, 7, new dev.starling.node.privacy.UpdatePrivacy.None(),
        COUNTING, eval);
    return new ScriptedRuntime<>(ME, ports -> FlClient.create(ports, setup));
  }

  static Envelope request(int round, int attempt) {
    TrainRequest.Builder b = TrainRequest.newBuilder().setRound(round).setAttempt(attempt)
        .setModel(Tensors.fp32(RoleFixtures.filled(0f)));
    new RoundConfig(Map.of("k", 2.0, "attempt", (double) attempt), Map.of()).writeTo(b);
    return Envelope.newBuilder().setTrainRequest(b).build();
  }

  float sentN(ScriptedRuntime<?> rt) {
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size());
    ModelUpdate u = sent.get(0).envelope().getModelUpdate();
    assertEquals(1, u.getTensorsCount());
    NamedTensor t = u.getTensors(0);
    assertEquals("n", t.getName());
    return Tensors.decode(t.getTensor(), RoleFixtures.PARAMS)[0];
  }

  @Test
  void stateCarriesOverRoundsAndOnlyFromUpdatesThatWereSent() {
    var rt = client();
    rt.deliver(0, request(1, 0));
    rt.finishJobs();
    assertEquals(2f, sentN(rt)); // n = 1, times k = 2

    rt.deliver(0, request(2, 0));
    rt.deliver(0, request(2, 1)); // supersedes attempt 0
    rt.finishNewestJob();
    assertEquals(24f, sentN(rt)); // n = 10 * 1 + 2: attempt 1 from round 1's state
    assertEquals(1, rt.finishJobs()); // attempt 0 finishes late: dropped, its state (11) too
    assertTrue(rt.takeSent().isEmpty());

    rt.deliver(0, request(3, 0));
    rt.finishJobs();
    assertEquals(242f, sentN(rt)); // n = 10 * 12 + 1, not 10 * 11 + 1 from the superseded round
  }

  @Test
  void aRequestWithABadConfigTensorIsDropped() {
    var rt = client();
    TrainRequest.Builder b = request(1, 0).getTrainRequest().toBuilder()
        .addConfigTensors(NamedTensor.newBuilder().setName("t").setTensor(Tensors.fp32(new float[3])));
    rt.deliver(0, Envelope.newBuilder().setTrainRequest(b).build());
    TrainRequest.Builder nan = request(1, 0).getTrainRequest().toBuilder().putConfig("k", Double.NaN);
    rt.deliver(0, Envelope.newBuilder().setTrainRequest(nan).build());
    assertEquals(0, rt.pendingJobs());
    assertEquals(2, rt.log().stream().filter(l -> l.startsWith("WARN") && l.contains("dropped train request")).count(),
        rt.log().toString());
  }

  @Test
  void answersFederatedEvaluationOnItsEvaluationSamples() {
    var rt = client();
    float[] global = RoleFixtures.filled(0.3f);
    global[0] = 2f;
    rt.deliver(0, Envelope.newBuilder().setEvaluateRequest(EvaluateRequest.newBuilder().setRound(4)
        .setModel(Tensors.fp32(global))).build());
    rt.deliver(0, Envelope.newBuilder().setEvaluateRequest(EvaluateRequest.newBuilder().setRound(5)
        .setModel(Tensors.fp32(new float[2]))).build()); // malformed
    assertEquals(1, rt.finishJobs());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size());
    EvaluateResult r = sent.get(0).envelope().getEvaluateResult();
    var m = models.newModel(0);
    m.setParams(global);
    Evaluation want = m.evaluate(data, eval);
    assertEquals(4, r.getRound());
    assertEquals(eval.length, r.getNumSamples());
    assertEquals(want.accuracy(), r.getAccuracy(), 0);
    assertEquals(want.loss(), r.getLoss(), 0);
    assertTrue(rt.log().stream().anyMatch(l -> l.contains("dropped evaluate request")), rt.log().toString());
  }

  @Test
  void roundConfigReadsBackWhatWasWritten() {
    TrainRequest.Builder b = TrainRequest.newBuilder();
    new RoundConfig(new TreeMap<>(Map.of("b", 1.0, "a", 2.0)), new TreeMap<>(Map.of("t", RoleFixtures.filled(3f))))
        .writeTo(b);
    RoundConfig back = RoundConfig.read(b.build(), RoleFixtures.PARAMS);
    assertEquals(List.of("a", "b"), List.copyOf(back.scalars().keySet()));
    assertArrayEquals(RoleFixtures.filled(3f), back.tensor("t"), 0f);
  }
}
