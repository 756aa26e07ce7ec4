package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.data.DenseDataset;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.privacy.UpdatePrivacy;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.secagg.Packing;
import dev.starling.node.secagg.SecAggClientRound;
import dev.starling.node.secagg.SecAggCrypto;
import dev.starling.node.secagg.SecAggServerRound;
import dev.starling.node.wire.codec.LatticeCodec;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.SecAggMasked;
import dev.starling.node.wire.proto.SecAggUnmask;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The FL client under SecAgg+ on a scripted runtime, the server and two other clients played by
 * the protocol objects: keys on the request, shares on the roster, its masked update once both
 * its training and its neighbours' shares are in, the reveal once; what its update was is
 * recovered exactly from the unmasked sum; fuzzed envelopes leave it standing.
 */
class FlClientSecAggTest {

  static final int ME = 2;
  static final int BITS = 40;

  final ModelPool models = RoleFixtures.models();
  final DenseDataset data = RoleFixtures.testData();
  final int[] shard = {0, 1, 3};

  ScriptedRuntime<FlClient.Command> client() {
    FlClient.Setup setup = new FlClient.Setup(data, shard, models, 7, new UpdatePrivacy.None(new LatticeCodec(8, 1.0, false)),
        ClientTraining.LOCAL, shard, 0).withSecAgg(new FlClient.SecAgg(100, true));
    return new ScriptedRuntime<>(ME, ports -> FlClient.create(ports, setup));
  }

  private static Envelope only(ScriptedRuntime<?> rt, Envelope.BodyCase type) {
    List<ScriptedRuntime.Sent> sent = rt.takeSent();
    assertEquals(1, sent.size(), sent.toString());
    assertEquals(0, sent.get(0).to());
    assertEquals(type, sent.get(0).envelope().getBodyCase());
    return sent.get(0).envelope();
  }

  @Test
  void runsTheProtocolAndItsUpdateIsInTheSum() {
    var rt = client();
    rt.deliver(0, FlClientTest.request(1, 0, RoleFixtures.filled(0.1f)));
    Envelope keys = only(rt, Envelope.BodyCase.SECAGG_KEYS);
    SecAggServerRound server = new SecAggServerRound(1, 0, new SecAggServerRound.Params(2, 2, BITS), Set.of(1, 2, 3));
    Map<Integer, SecAggClientRound> others = new TreeMap<>();
    for (int c : new int[] {1, 3}) {
      others.put(c, new SecAggClientRound(c, 1, 0, SecAggCrypto.seeded(c)));
      server.onKeys(c, others.get(c).keys());
    }
    server.onKeys(ME, keys.getSecaggKeys());
    var rosters = server.rosters(org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(5L));
    rt.deliver(0, Envelope.newBuilder().setSecaggRoster(rosters.get(ME)).build());
    server.onShares(ME, only(rt, Envelope.BodyCase.SECAGG_SHARES).getSecaggShares());
    others.forEach((c, r) -> server.onShares(c, r.onRoster(rosters.get(c))));
    var forwards = server.forwards();
    others.forEach((c, r) -> r.onForward(forwards.get(c)));
    assertEquals(1, rt.finishJobs()); // trained, but the shares have not come: nothing sent yet
    assertTrue(rt.takeSent().isEmpty());
    rt.deliver(0, Envelope.newBuilder().setSecaggForward(forwards.get(ME)).build());
    SecAggMasked m = only(rt, Envelope.BodyCase.SECAGG_MASKED).getSecaggMasked();
    server.onMasked(ME, Packing.unpack(m.getMasked(), m.getLength(), BITS));
    long[] zero = new long[m.getLength()];
    others.forEach((c, r) -> server.onMasked(c, r.mask(zero)));
    Map<Integer, SecAggUnmask> asks = server.unmask(Set.of(1, 2, 3));
    rt.deliver(0, Envelope.newBuilder().setSecaggUnmask(asks.get(ME)).build());
    server.onReveal(ME, only(rt, Envelope.BodyCase.SECAGG_REVEAL).getSecaggReveal());
    others.forEach((c, r) -> server.onReveal(c, r.reveal(asks.get(c))));
    rt.deliver(0, Envelope.newBuilder().setSecaggUnmask(asks.get(ME)).build()); // a second ask is refused
    assertTrue(rt.takeSent().isEmpty());
    assertEquals(1, rt.rejections().size(), rt.rejections().toString());
    // The others sent zeros: the sum is this client's weighted level indices.
    long[] sum = server.sum();
    long w = m.getNumSamples();
    assertEquals(shard.length, w);
    FlClientTest t = new FlClientTest();
    var want = t.expected(RoleFixtures.filled(0.1f), 1, 0);
    float[] delta = new float[sum.length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = want.params()[i] - 0.1f;
    }
    int[] z = dev.starling.node.wire.codec.Tensors.levelIndices(new LatticeCodec(8, 1.0, false).encode(delta, null), sum.length);
    long[] expected = new long[z.length];
    for (int i = 0; i < z.length; i++) {
      expected[i] = w * z[i];
    }
    assertArrayEquals(expected, sum);
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = client();
    rt.deliver(0, FlClientTest.request(1, 0, RoleFixtures.filled(0.1f)));
    Envelope keys = only(rt, Envelope.BodyCase.SECAGG_KEYS);
    SecAggServerRound server = new SecAggServerRound(1, 0, new SecAggServerRound.Params(2, 2, BITS), Set.of(1, 2, 3));
    SecAggClientRound other = new SecAggClientRound(1, 1, 0, SecAggCrypto.seeded(1));
    server.onKeys(1, other.keys());
    server.onKeys(ME, keys.getSecaggKeys());
    var rosters = server.rosters(org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(5L));
    server.onShares(1, other.onRoster(rosters.get(1)));
    rt.deliver(0, Envelope.newBuilder().setSecaggRoster(rosters.get(ME)).build());
    server.onShares(ME, only(rt, Envelope.BodyCase.SECAGG_SHARES).getSecaggShares());
    List<Envelope> corpus = List.of(Envelope.newBuilder().setSecaggRoster(rosters.get(ME)).build(),
        Envelope.newBuilder().setSecaggForward(server.forwards().get(ME)).build(),
        Envelope.newBuilder().setSecaggUnmask(SecAggUnmask.newBuilder().setRound(1).addSurvivors(1).addSurvivors(ME)).build(),
        FlClientTest.request(1, 0, RoleFixtures.filled(0.1f)));
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(104, RoleFixtures.PARAMS, corpus).run(rt, 20_000, 0);
    assertTrue(rejected > 100, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
