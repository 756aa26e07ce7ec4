package dev.starling.node.fl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.ServerSgd;
import dev.starling.node.runtime.RoleFixtures;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.secagg.Packing;
import dev.starling.node.secagg.SecAggClientRound;
import dev.starling.node.secagg.SecAggCrypto;
import dev.starling.node.secagg.SecAggServerRound;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.SecAggMasked;
import dev.starling.sampling.client.FixedCountSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The FL server under SecAgg+ on a scripted runtime, its clients played by real client rounds:
 * the stages in order, the decoded weighted mean of the integer updates applied, a client that
 * goes silent after sharing recovered from, and twenty thousand fuzzed envelopes survived.
 */
class FlServerSecAggTest {

  static final int PARAMS = RoleFixtures.PARAMS;
  static final int LEVELS = 256;
  static final double OUTER = 1.0;

  final FlServerTest.Recorder rec = new FlServerTest.Recorder();

  ScriptedRuntime<FlServer.Command> server(int clients, int rounds) {
    List<Integer> ids = new ArrayList<>();
    for (int c = 1; c <= clients; c++) {
      ids.add(c);
    }
    FlServer.Setup setup = new FlServer.Setup(new FlServer.Sampling(ids, new FixedCountSampler(clients)),
        new FlServer.Schedule(rounds, Duration.ofSeconds(10), 1, 1_000_000, 1),
        new FlServer.Strategy(new FedAvg(), new AggregateAndStep(new ServerSgd(1.0))),
        new FlServer.Learning(new float[PARAMS], RoleFixtures.models(), RoleFixtures.testData()), FlServer.Privacy.none(), 42)
        .withSecureSum(new FlServer.SecureSum(LEVELS, OUTER, 10, new SecAggServerRound.Params(4, 2, 30), Duration.ofSeconds(1)));
    return new ScriptedRuntime<>(0, ports -> FlServer.create(ports, setup, rec));
  }

  /** Messages just sent, by recipient, checking their type. */
  private static Map<Integer, Envelope> sent(ScriptedRuntime<?> rt, Envelope.BodyCase type) {
    Map<Integer, Envelope> out = new TreeMap<>();
    for (ScriptedRuntime.Sent s : rt.takeSent()) {
      assertEquals(type, s.envelope().getBodyCase());
      out.put(s.to(), s.envelope());
    }
    return out;
  }

  /** Client c's level indices: all at level c * 10, weight c. */
  private static long[] input(int c) {
    long[] v = new long[PARAMS];
    java.util.Arrays.fill(v, (long) c * (c * 10));
    return v;
  }

  @Test
  void theStagesRunInOrderAndTheMeanOfTheSurvivorsIsApplied() {
    var rt = server(5, 1);
    rt.tell(new FlServer.Start());
    Map<Integer, Envelope> requests = sent(rt, Envelope.BodyCase.TRAIN_REQUEST);
    Map<Integer, SecAggClientRound> cs = new TreeMap<>();
    for (int c : requests.keySet()) {
      cs.put(c, new SecAggClientRound(c, 1, 0, SecAggCrypto.seeded(c)));
      rt.deliver(c, Envelope.newBuilder().setSecaggKeys(cs.get(c).keys()).build());
    }
    for (var e : sent(rt, Envelope.BodyCase.SECAGG_ROSTER).entrySet()) {
      rt.deliver(e.getKey(), Envelope.newBuilder().setSecaggShares(cs.get(e.getKey()).onRoster(e.getValue().getSecaggRoster()))
          .build());
    }
    for (var e : sent(rt, Envelope.BodyCase.SECAGG_FORWARD).entrySet()) {
      cs.get(e.getKey()).onForward(e.getValue().getSecaggForward());
    }
    for (int c = 1; c <= 4; c++) { // client 5 goes silent after sharing
      long[] y = cs.get(c).mask(input(c));
      Envelope masked = Envelope.newBuilder().setSecaggMasked(SecAggMasked.newBuilder().setRound(1).setAttempt(0)
          .setLength(PARAMS).setMasked(Packing.pack(y, 30)).setNumSamples(c).setTrainLoss(0.5f)).build();
      rt.deliver(c, masked);
      if (c == 1) {
        rt.deliver(c, masked); // a duplicate is refused and counted, and the sum keeps one copy
        assertEquals(1, rt.rejections().size(), rt.rejections().toString());
        rt.deliver(9, masked); // so is one from a node never invited
        assertEquals(2, rt.rejections().size(), rt.rejections().toString());
      }
    }
    assertTrue(rt.timerPending("deadline"));
    rt.fire("deadline");
    Map<Integer, Envelope> asks = sent(rt, Envelope.BodyCase.SECAGG_UNMASK);
    assertEquals(List.of(1, 2, 3, 4), new ArrayList<>(asks.keySet()));
    for (var e : asks.entrySet()) {
      assertTrue(e.getValue().getSecaggUnmask().getDroppedList().stream().allMatch(d -> d == 5));
      rt.deliver(e.getKey(), Envelope.newBuilder().setSecaggReveal(cs.get(e.getKey()).reveal(e.getValue().getSecaggUnmask()))
          .build());
    }
    rt.finishJobs();
    assertEquals(1, rec.rounds.size(), rt.log().toString());
    // a survivor's late reveal after the sum was rebuilt is ignored, neither used nor counted
    rt.deliver(4, Envelope.newBuilder().setSecaggReveal(dev.starling.node.wire.proto.SecAggReveal.newBuilder().setRound(1))
        .build());
    assertEquals(2, rt.rejections().size());
    assertEquals(List.of(1, 2, 3, 4), rec.rounds.get(0).aggregated());
    // weighted mean level: sum c * (10 c) / sum c = (10 + 40 + 90 + 160) / 10 = 30
    float expected = Tensors.levelValue(30.0, LEVELS, OUTER);
    float[] want = new float[PARAMS];
    java.util.Arrays.fill(want, expected);
    assertArrayEquals(want, rec.finished);
  }

  @Test
  void survivesTwentyThousandFuzzedEnvelopes() {
    var rt = server(3, 1_000_000);
    rt.tell(new FlServer.Start());
    Map<Integer, Envelope> requests = sent(rt, Envelope.BodyCase.TRAIN_REQUEST);
    List<Envelope> corpus = new ArrayList<>();
    Map<Integer, SecAggClientRound> cs = new TreeMap<>();
    for (int c : requests.keySet()) {
      cs.put(c, new SecAggClientRound(c, 1, 0, SecAggCrypto.seeded(c)));
      corpus.add(Envelope.newBuilder().setSecaggKeys(cs.get(c).keys()).build());
    }
    // a valid roster-to-reveal exchange outside the actor, for realistic shares and reveals
    SecAggServerRound side = new SecAggServerRound(1, 0, new SecAggServerRound.Params(4, 2, 30), cs.keySet());
    cs.forEach((c, r) -> side.onKeys(c, r.keys()));
    side.rosters(org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(1L)).forEach((c, r) -> {
      var sh = cs.get(c).onRoster(r);
      side.onShares(c, sh);
      corpus.add(Envelope.newBuilder().setSecaggShares(sh).build());
    });
    side.forwards().forEach((c, f) -> cs.get(c).onForward(f));
    cs.forEach((c, r) -> {
      long[] y = r.mask(input(c));
      side.onMasked(c, y);
      corpus.add(Envelope.newBuilder().setSecaggMasked(SecAggMasked.newBuilder().setRound(1).setAttempt(0)
          .setLength(PARAMS).setMasked(Packing.pack(y, 30)).setNumSamples(c).setTrainLoss(0.5f)).build());
    });
    side.unmask(cs.keySet()).forEach((c, u) -> corpus.add(Envelope.newBuilder().setSecaggReveal(cs.get(c).reveal(u)).build()));
    long rejected = new dev.starling.node.wire.EnvelopeFuzzer(103, PARAMS, corpus).run(rt, 20_000, 1, 2, 3, 0, -1, 7);
    assertTrue(rejected > 1000, "rejections are counted: " + rejected);
    assertTrue(rt.alive());
  }
}
