package dev.starling.node.dl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Advertise;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.PeerModel;
import dev.starling.node.wire.proto.PeerModelKind;
import dev.starling.node.wire.proto.Ping;
import dev.starling.node.wire.proto.Pong;
import dev.starling.sampling.modest.View;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The MoDeST peer's aggregator, liveness and validation handlers on a scripted runtime: 4 nodes,
 * samples of 2, one aggregator, every sample model awaited (sf = 1), at least one at the timeout.
 */
class ModestPeerTest {

  static final int ME = 0;
  static final int NODES = 4;
  static final int P = RoleFixtures.PARAMS;
  static final ModestPeer.Params PARAMS = new ModestPeer.Params(2, 1, 1.0, Duration.ofSeconds(1), Duration.ofSeconds(3),
      1_000_000, Duration.ofSeconds(10), 1, Duration.ofSeconds(20), 0);

  final List<PeerListener.AggregationRecord> aggregated = new ArrayList<>();
  final List<float[]> models = new ArrayList<>();

  ScriptedRuntime<PeerCommand> peer() {
    return peer(dev.starling.node.runtime.Storage.NONE);
  }

  ScriptedRuntime<PeerCommand> peer(dev.starling.node.runtime.Storage storage) {
    PeerListener listener = new PeerListener() {
      @Override
      public void aggregated(AggregationRecord r, float[] params) {
        aggregated.add(r);
        models.add(params.clone());
      }
    };
    PeerSetup setup = new PeerSetup(RoleFixtures.testData(), new int[] {0, 1}, RoleFixtures.models(), new float[P], NODES,
        Codecs.of("fp32", 0, false), 3, listener);
    return new ScriptedRuntime<>(ME, storage, ports -> ModestPeer.create(ports, setup, PARAMS, View.initial(NODES, i -> false)));
  }

  static Envelope trained(long round, float value, float loss) {
    return Envelope.newBuilder().setPeerModel(PeerModel.newBuilder().setKind(PeerModelKind.TRAINED).setRound(round)
        .setModel(Tensors.fp32(RoleFixtures.filled(value))).setView(PeerViews.encode(View.initial(NODES, i -> false)))
        .setTrainLoss(loss)).build();
  }

  /** Answers every ping just sent with a pong carrying its nonce; returns who was pinged. */
  static Set<Integer> answerPings(ScriptedRuntime<PeerCommand> rt, List<ScriptedRuntime.Sent> sent) {
    Set<Integer> pinged = new TreeSet<>();
    for (ScriptedRuntime.Sent s : sent) {
      if (s.envelope().hasPing()) {
        pinged.add(s.to());
        rt.deliver(s.to(), Envelope.newBuilder().setPong(Pong.newBuilder().setRound(1)
            .setNonce(s.envelope().getPing().getNonce())).build());
      }
    }
    return pinged;
  }

  @Test
  void aggregatesOnceTheSampleSentThenProbesAndFeedsTheNextSample() {
    var rt = peer();
    rt.deliver(1, trained(5, 1f, 0.2f));
    assertTrue(rt.takeSent().isEmpty(), "one of two models: still waiting");
    assertEquals(1, rt.pendingTimers().size(), "the aggregation timeout runs");
    rt.deliver(2, trained(5, 3f, 0.4f));
    List<ScriptedRuntime.Sent> probes = rt.takeSent();
    assertFalse(probes.isEmpty(), "the next sample is probed before it is sent to");
    assertTrue(probes.stream().allMatch(s -> s.envelope().hasPing()), probes.toString());
    assertTrue(aggregated.isEmpty(), "reported once the participants are known");

    Set<Integer> pinged = answerPings(rt, probes);
    assertEquals(1, aggregated.size());
    PeerListener.AggregationRecord r = aggregated.get(0);
    assertEquals(4, r.round());
    assertEquals(ME, r.aggregator());
    assertEquals(List.of(1, 2), r.contributors());
    assertFalse(r.timedOut());
    assertEquals(0.3, r.trainLoss(), 1e-6);
    assertArrayEquals(RoleFixtures.filled(2f), models.get(0), 0f);
    assertEquals(2, r.participants().size());
    assertTrue(r.participants().containsAll(pinged), r.participants() + " vs pinged " + pinged);

    List<ScriptedRuntime.Sent> out = rt.takeSent();
    for (int j : r.participants()) {
      if (j != ME) {
        PeerModel m = out.stream().filter(s -> s.to() == j && s.envelope().hasPeerModel()).findFirst().orElseThrow()
            .envelope().getPeerModel();
        assertEquals(PeerModelKind.AGGREGATED, m.getKind());
        assertEquals(5, m.getRound());
        assertArrayEquals(RoleFixtures.filled(2f), Tensors.decode(m.getModel(), P), 0f);
      }
    }
    for (int c : List.of(1, 2)) {
      assertTrue(out.stream().anyMatch(s -> s.to() == c && s.envelope().hasAggAck()
          && s.envelope().getAggAck().getRound() == 4 && s.envelope().getAggAck().getSuccess()), "ack to " + c);
    }
    assertEquals(r.participants().contains(ME) ? 1 : 0, rt.pendingJobs(), "a participant trains the new model");

    rt.deliver(3, trained(5, 9f, 0.1f)); // late: index 5 is aggregated
    List<ScriptedRuntime.Sent> late = rt.takeSent();
    assertEquals(1, late.size());
    assertTrue(late.get(0).envelope().hasAggAck() && late.get(0).to() == 3, late.toString());
    assertEquals(1, aggregated.size());
  }

  @Test
  void theTimeoutClosesTheAggregationWithWhatArrived() {
    var rt = peer();
    rt.deliver(3, trained(2, 4f, 0.5f));
    Object timeout = rt.pendingTimers().get(0);
    assertTrue(rt.fire(timeout));
    answerPings(rt, rt.takeSent());
    assertEquals(1, aggregated.size());
    assertTrue(aggregated.get(0).timedOut());
    assertEquals(List.of(3), aggregated.get(0).contributors());
    assertArrayEquals(RoleFixtures.filled(4f), models.get(0), 0f);
  }

  @Test
  void answersPingsWithTheNonce() {
    var rt = peer();
    rt.deliver(2, Envelope.newBuilder().setPing(Ping.newBuilder().setRound(3).setNonce(77)).build());
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size());
    assertEquals(2, sent.get(0).to());
    assertEquals(77, sent.get(0).envelope().getPong().getNonce());
  }

  @Test
  void dropsMalformedMessagesWithoutOpeningAnything() {
    var rt = peer();
    rt.deliver(9, trained(2, 1f, 0.1f)); // no such node
    rt.deliver(1, trained(0, 1f, 0.1f)); // round 0
    rt.deliver(1, trained(2, 1f, Float.NaN));
    rt.deliver(1, trained(2, 1f, -1f));
    rt.deliver(1, Envelope.newBuilder().setPeerModel(trained(2, 1f, 0.1f).getPeerModel().toBuilder()
        .setModel(Tensors.fp32(new float[P - 2]))).build());
    rt.deliver(1, Envelope.newBuilder().setPeerModel(trained(2, 1f, 0.1f).getPeerModel().toBuilder()
        .setKind(PeerModelKind.NEIGHBOUR)).build());
    rt.deliver(1, Envelope.newBuilder().setAdvertise(Advertise.newBuilder().setRound(1).setMembership(1L << 30)).build());
    rt.deliver(1, RoleFixtures.update(1, 0, 1f, 1));
    assertEquals(8, rt.log().stream().filter(l -> l.startsWith("WARN")).count(), rt.log().toString());
    assertTrue(rt.pendingTimers().isEmpty(), "no aggregation was opened");
    assertTrue(rt.takeSent().isEmpty());
    assertTrue(rt.alive());
  }

  static List<dev.starling.node.wire.proto.Advertise> adverts(List<ScriptedRuntime.Sent> sent, Set<Integer> to) {
    List<dev.starling.node.wire.proto.Advertise> out = new ArrayList<>();
    for (ScriptedRuntime.Sent s : sent) {
      if (s.envelope().hasAdvertise()) {
        to.add(s.to());
        out.add(s.envelope().getAdvertise());
      }
    }
    return out;
  }

  @Test
  void aRestartedPeerKeepsItsRoundKnowledgeLosesItsOpenWorkAndAnnouncesAJoin() {
    var storage = new dev.starling.node.runtime.MemoryStorage();
    var rt = peer(storage);
    rt.deliver(1, trained(5, 1f, 0.2f));
    rt.deliver(2, trained(5, 3f, 0.4f));
    answerPings(rt, rt.takeSent()); // index 5 aggregated
    rt.takeSent();
    rt.deliver(3, trained(7, 2f, 0.1f)); // index 7 opened, then the crash takes it
    assertEquals(1, aggregated.size());

    var restarted = peer(storage);
    var cp = storage.load(dev.starling.node.wire.proto.PeerCheckpoint.parser()).orElseThrow();
    assertEquals(1, cp.getIncarnation());
    assertEquals(5, cp.getMaxCompleted());
    assertTrue(restarted.takeSent().isEmpty(), "nothing is sent before Start");
    restarted.tell(new PeerCommand.Start());
    Set<Integer> to = new TreeSet<>();
    List<dev.starling.node.wire.proto.Advertise> joins = adverts(restarted.takeSent(), to);
    assertEquals(Set.of(1, 2, 3), to, "a JOIN to every other node (fanout 10 s > 3)");
    assertTrue(joins.stream().allMatch(a -> !a.getLeave() && a.getMembership() == 1), joins.toString());
    assertEquals(2, storage.load(dev.starling.node.wire.proto.PeerCheckpoint.parser()).orElseThrow().getMembership(),
        "the next advertisement will carry a newer index");

    restarted.deliver(1, trained(5, 8f, 0.2f)); // index 5 is done: the restarted peer still knows it
    List<ScriptedRuntime.Sent> late = restarted.takeSent();
    assertTrue(late.size() == 1 && late.get(0).envelope().hasAggAck(), late.toString());
    restarted.deliver(2, trained(7, 6f, 0.3f)); // index 7 starts afresh: node 3's model was lost
    assertTrue(restarted.pendingTimers().stream().anyMatch(t -> t.toString().contains("AggTimeout")),
        restarted.pendingTimers().toString());
    Object timeout = restarted.pendingTimers().stream().filter(t -> t.toString().contains("AggTimeout")).findFirst()
        .orElseThrow();
    assertTrue(restarted.fire(timeout));
    answerPings(restarted, restarted.takeSent());
    assertEquals(2, aggregated.size());
    assertEquals(List.of(2), aggregated.get(1).contributors(), "only what reached the new incarnation");
  }

  @Test
  void aGracefulLeaveIsAdvertisedToActiveNodes() {
    var rt = peer();
    rt.tell(new PeerCommand.Leave());
    Set<Integer> to = new TreeSet<>();
    List<dev.starling.node.wire.proto.Advertise> leaves = adverts(rt.takeSent(), to);
    assertFalse(leaves.isEmpty());
    assertTrue(leaves.stream().allMatch(a -> a.getLeave() && a.getMembership() == 1), leaves.toString());
    assertFalse(to.contains(ME));
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = peer();
    rt.tell(new PeerCommand.Start());
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(103, P, List.of(trained(1, 0.5f, 0.1f), trained(3, -1f, 0.2f)))
        .run(rt, 20_000, 1, 2, 3, ME, -1, 4, 1000);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
