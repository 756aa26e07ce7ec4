package dev.starling.node.dl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.data.DenseDataset;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.PeerModel;
import dev.starling.node.wire.proto.PeerModelKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gossip-learning peer on a scripted runtime: ticks, age-weighted merges, a model arriving during training, bad input. */
class GossipPeerTest {

  static final int ME = 1;
  static final int NODES = 4;
  static final int ROUNDS = 3;
  static final long SEED = 11;
  static final int P = RoleFixtures.PARAMS;

  final ModelPool models = RoleFixtures.models();
  final DenseDataset data = RoleFixtures.testData();
  final int[] shard = {0, 1};
  final List<float[]> reported = new ArrayList<>();

  ScriptedRuntime<PeerCommand> peer() {
    return peer(dev.starling.node.runtime.Storage.NONE);
  }

  ScriptedRuntime<PeerCommand> peer(dev.starling.node.runtime.Storage storage) {
    PeerListener listener = new PeerListener() {
      @Override
      public void roundDone(int node, long round, float[] params, double trainLoss) {
        assertEquals(reported.size() + 1, round);
        reported.add(params.clone());
      }
    };
    PeerSetup setup = new PeerSetup(data, shard, models, new float[P], NODES, Codecs.of("fp32", 0, false), SEED, listener);
    return new ScriptedRuntime<>(ME, storage, ports -> GossipPeer.create(ports, setup, Duration.ofSeconds(5), ROUNDS));
  }

  static Envelope gossip(float value, long age) {
    float[] p = new float[P];
    Arrays.fill(p, value);
    return Envelope.newBuilder().setPeerModel(PeerModel.newBuilder().setKind(PeerModelKind.GOSSIP).setRound(1)
        .setModel(Tensors.fp32(p)).setAge(age)).build();
  }

  /** What the peer's training from {@code start} gives (same trainer, same seed: round = the model's age). */
  LocalTrainer.Result trained(float[] start, long age) {
    return LocalTrainer.train(models.newModel(0), start, data, shard, models.training(), Seeds.derive(SEED, ME, age, 0));
  }

  @Test
  void everyTickReportsAndSendsItsModelToAnotherNodeUntilTheLastRound() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    for (int t = 1; t <= ROUNDS; t++) {
      assertEquals(1, rt.pendingTimers().size(), "tick " + t + " pending");
      assertTrue(rt.fire(rt.pendingTimers().get(0)));
      List<ScriptedRuntime.Sent> sent = rt.takeSent();
      assertEquals(1, sent.size());
      assertNotEquals(ME, sent.get(0).to());
      assertTrue(sent.get(0).to() >= 0 && sent.get(0).to() < NODES);
      PeerModel m = sent.get(0).envelope().getPeerModel();
      assertEquals(PeerModelKind.GOSSIP, m.getKind());
      assertEquals(t, m.getRound());
      assertEquals(0, m.getAge());
    }
    assertEquals(ROUNDS, reported.size());
    assertTrue(rt.pendingTimers().isEmpty(), "no tick after the last round");
  }

  @Test
  void mergesByAgeTrainsAndCountsTheSamplesIntoItsAge() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    rt.deliver(3, gossip(2f, 0)); // both ages 0: equal weights
    float[] merged = RoleFixtures.filled(1f);
    LocalTrainer.Result first = trained(merged, 0);
    assertEquals(1, rt.finishJobs());

    rt.deliver(0, gossip(-4f, 3 * first.processed())); // own age = processed: weights 1/4, 3/4
    float[] merged2 = new float[P];
    float wOwn = (float) (1.0 / 4);
    for (int i = 0; i < P; i++) {
      merged2[i] = wOwn * first.params()[i] + (1 - wOwn) * -4f;
    }
    LocalTrainer.Result second = trained(merged2, 3 * first.processed());
    assertEquals(1, rt.finishJobs());
    assertTrue(rt.fire(rt.pendingTimers().get(0)));
    assertArrayEquals(second.params(), reported.get(0), 0f);
    PeerModel sent = rt.takeSent().get(0).envelope().getPeerModel();
    assertEquals(3 * first.processed() + second.processed(), sent.getAge());
    assertArrayEquals(second.params(), Tensors.decode(sent.getModel(), P), 0f);
  }

  @Test
  void onlyTheNewestModelThatArrivedDuringTrainingIsMergedAfterIt() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    rt.deliver(2, gossip(1f, 0));
    rt.deliver(3, gossip(50f, 1000)); // waits, then is replaced
    rt.deliver(0, gossip(7f, 10)); // the newest: merged after the training
    assertEquals(1, rt.pendingJobs());
    assertEquals(2, rt.finishJobs(), "the first training, then one merge of the newest waiting model");
    LocalTrainer.Result first = trained(RoleFixtures.filled(0.5f), 0);
    long age = first.processed();
    float wOwn = (float) ((double) age / (age + 10));
    float[] merged = new float[P];
    for (int i = 0; i < P; i++) {
      merged[i] = wOwn * first.params()[i] + (1 - wOwn) * 7f;
    }
    LocalTrainer.Result second = trained(merged, Math.max(age, 10));
    assertTrue(rt.fire(rt.pendingTimers().get(0)));
    assertArrayEquals(second.params(), reported.get(0), 0f);
  }

  @Test
  void dropsWrongKindsHugeAgesAndWrongLengths() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    rt.deliver(0, SyncRoundPeerTest.model(1, 1f, 2)); // a NEIGHBOUR model
    rt.deliver(0, gossip(1f, -1L)); // age 2^64-1 on the wire
    rt.deliver(0, Envelope.newBuilder().setPeerModel(gossip(1f, 0).getPeerModel().toBuilder()
        .setModel(Tensors.fp32(new float[3]))).build());
    assertEquals(0, rt.pendingJobs());
    long dropped = rt.log().stream().filter(l -> l.startsWith("WARN") && l.contains("dropped a message")).count();
    assertEquals(3, dropped, rt.log().toString());
  }

  @Test
  void aRestartContinuesFromTheLastTickWithTheModelAndAgeSavedThere() {
    var storage = new dev.starling.node.runtime.MemoryStorage();
    var rt = peer(storage);
    rt.tell(new PeerCommand.Start());
    assertTrue(rt.fire(rt.pendingTimers().get(0))); // tick 1
    rt.takeSent();
    rt.deliver(2, gossip(1f, 3)); // merged, then trained
    rt.finishJobs();
    LocalTrainer.Result t = trained(mergedWithZero(1f, 0, 3), 3);
    assertTrue(rt.fire(rt.pendingTimers().get(0))); // tick 2 saves the trained model and its age
    rt.takeSent();
    rt.deliver(3, gossip(9f, 50)); // training in progress when the node crashes
    assertEquals(1, rt.pendingJobs());

    var restarted = peer(storage);
    var cp = storage.load(dev.starling.node.wire.proto.PeerCheckpoint.parser()).orElseThrow();
    assertEquals(1, cp.getIncarnation());
    assertEquals(2, cp.getRound(), "ticks done");
    assertEquals(3 + t.processed(), cp.getAge());
    assertArrayEquals(t.params(), Tensors.decode(cp.getModel(), P), 0f, "the model of tick 2, not the lost merge");
    restarted.tell(new PeerCommand.Start());
    assertTrue(restarted.fire(restarted.pendingTimers().get(0)));
    PeerModel m = restarted.takeSent().get(0).envelope().getPeerModel();
    assertEquals(3, m.getRound(), "tick 3 follows tick 2");
    assertEquals(3 + t.processed(), m.getAge());
    assertArrayEquals(t.params(), Tensors.decode(m.getModel(), P), 0f);
    assertEquals(ROUNDS, reported.size());
    assertTrue(restarted.pendingTimers().isEmpty(), "no tick after the last round");
  }

  /** The age-weighted merge of a zero model of age {@code own} with a model of {@code value} and age {@code age}. */
  static float[] mergedWithZero(float value, long own, long age) {
    float wOwn = own + age == 0 ? 0.5f : (float) ((double) own / (own + age));
    float[] out = new float[P];
    for (int i = 0; i < P; i++) {
      out[i] = wOwn * 0f + (1 - wOwn) * value;
    }
    return out;
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(105, P, List.of(gossip(0.5f, 3), gossip(-0.5f, 10)))
        .run(rt, 20_000, 0, 2, 3, ME, -1, 4, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
