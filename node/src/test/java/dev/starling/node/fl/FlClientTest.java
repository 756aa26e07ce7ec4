package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.data.DenseDataset;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.EnvelopeFuzzer;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.TrainRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FL client's handlers on a scripted runtime: a request, a superseded request, a malformed one, a stray message. */
class FlClientTest {

  static final int ME = 2;
  static final int SERVER = 0;
  static final long SEED = 7;

  final ModelPool models = RoleFixtures.models();
  final DenseDataset data = RoleFixtures.testData();
  final int[] shard = {0, 1, 3};

  ScriptedRuntime<FlClient.Command> client() {
    FlClient.Setup setup = new FlClient.Setup(data, shard, models, SEED);
    return new ScriptedRuntime<>(ME, ports -> FlClient.create(ports, setup));
  }

  static Envelope request(int round, int attempt, float[] model) {
    return Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(round).setAttempt(attempt)
        .setModel(Tensors.fp32(model))).build();
  }

  /** What training from {@code start} on the shard must give: the same trainer, the same derived seed. */
  LocalTrainer.Result expected(float[] start, int round, int attempt) {
    return LocalTrainer.train(models.newModel(0), start, data, shard, models.training(),
        Seeds.derive(SEED, ME, round, attempt));
  }

  @Test
  void trainsTheGlobalModelAndAnswersWithItsDelta() {
    var rt = client();
    float[] global = RoleFixtures.filled(0.25f);
    rt.deliver(SERVER, request(3, 1, global));
    assertTrue(rt.takeSent().isEmpty(), "nothing is sent before training finishes");
    assertEquals(1, rt.finishJobs());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size());
    assertEquals(SERVER, sent.get(0).to());
    assertEquals(ME, sent.get(0).envelope().getSender());
    ModelUpdate u = sent.get(0).envelope().getModelUpdate();
    assertEquals(3, u.getRound());
    assertEquals(1, u.getAttempt());
    LocalTrainer.Result want = expected(global, 3, 1);
    assertEquals(want.samples(), u.getNumSamples());
    float[] delta = new float[global.length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = want.params()[i] - global[i];
    }
    assertArrayEquals(delta, Tensors.decode(u.getDelta(), global.length), 0f);
    assertEquals((float) want.meanLoss(), u.getTrainLoss(), 0f);
  }

  @Test
  void aNewerRequestSupersedesOneStillTraining() {
    var rt = client();
    rt.deliver(SERVER, request(1, 0, RoleFixtures.filled(0f)));
    rt.deliver(SERVER, request(1, 1, RoleFixtures.filled(1f)));
    assertEquals(2, rt.finishJobs());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size(), "the superseded result is dropped");
    assertEquals(1, sent.get(0).envelope().getModelUpdate().getAttempt());
  }

  @Test
  void aMalformedRequestOrAStrayMessageIsDroppedWithAWarning() {
    var rt = client();
    rt.deliver(SERVER, request(1, 0, new float[3]));
    rt.deliver(SERVER, RoleFixtures.update(1, 0, 1f, 1));
    assertEquals(0, rt.pendingJobs());
    assertEquals(0, rt.finishJobs());
    assertTrue(rt.takeSent().isEmpty());
    List<String> log = rt.log();
    assertTrue(log.stream().anyMatch(l -> l.startsWith("WARN") && l.contains("dropped train request")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.startsWith("WARN") && l.contains("unexpected MODEL_UPDATE")), log.toString());
  }

  @Test
  void aRequestFromAnyNodeButTheServerIsDropped() {
    var rt = client();
    rt.deliver(3, request(1, 0, RoleFixtures.filled(0f))); // another client asking for work
    assertEquals(0, rt.pendingJobs());
    assertTrue(rt.takeSent().isEmpty());
    assertTrue(rt.log().stream().anyMatch(l -> l.startsWith("WARN") && l.contains("only the server (node 0)")),
        rt.log().toString());
    rt.deliver(SERVER, request(1, 0, RoleFixtures.filled(0f)));
    assertEquals(1, rt.finishJobs());
    assertEquals(SERVER, rt.takeSent().get(0).to());
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopesAndStillTrains() {
    var rt = client();
    long rejected = new EnvelopeFuzzer(101, RoleFixtures.PARAMS, List.of(request(1, 0, RoleFixtures.filled(0.1f)),
        RoleFixtures.update(1, 0, 0.5f, 3))).run(rt, 20_000, SERVER, SERVER, 1, 3, ME, -1, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    rt.deliver(SERVER, request(2_000_000, 0, RoleFixtures.filled(0.25f)));
    assertEquals(1, rt.finishJobs());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(2_000_000, sent.get(sent.size() - 1).envelope().getModelUpdate().getRound());
  }

  @Test
  void aPassivatingClientStopsOnlyWhenNothingIsLeftToDo() {
    FlClient.Setup setup = new FlClient.Setup(data, shard, models, SEED).withPassivation();
    var rt = new ScriptedRuntime<FlClient.Command>(ME, ports -> FlClient.create(ports, setup));
    rt.deliver(5, request(1, 0, RoleFixtures.filled(0f))); // not the server: refused, and it stays idle
    assertEquals(1, rt.rejections().size());
    assertTrue(rt.takeSent().isEmpty());
    assertTrue(!rt.alive(), "idle after refusing: it passivates");

    var rt2 = new ScriptedRuntime<FlClient.Command>(ME, ports -> FlClient.create(ports, setup));
    rt2.deliver(SERVER, request(1, 0, RoleFixtures.filled(0f)));
    rt2.deliver(SERVER, request(1, 1, RoleFixtures.filled(0.5f))); // supersedes: two jobs in flight
    assertTrue(rt2.alive(), "training: it stays");
    rt2.finishNewestJob();
    assertEquals(1, rt2.takeSent().size(), "the newer attempt's update");
    assertTrue(rt2.alive(), "the superseded job is still running: it stays");
    rt2.finishJobs();
    assertTrue(rt2.takeSent().isEmpty(), "the superseded result is dropped");
    assertTrue(!rt2.alive(), "nothing left: it passivates");
  }
}
