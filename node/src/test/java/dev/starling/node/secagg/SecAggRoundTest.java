package dev.starling.node.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.SecAggReveal;
import dev.starling.node.wire.proto.SecAggShares;
import dev.starling.node.wire.proto.SecAggUnmask;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/** SecAgg+ client and server rounds driven directly, with dropouts at every stage. */
class SecAggRoundTest {

  private static final int BITS = 20;

  /** Drops: who leaves after advertising keys, after sharing, after masking, and who never reveals. */
  private record Drops(Set<Integer> afterKeys, Set<Integer> afterShares, Set<Integer> afterMasking,
      Set<Integer> noReveal) {}

  private static long[] input(int c, int d) {
    long[] v = new long[d];
    for (int i = 0; i < d; i++) {
      v[i] = (c * 7919L + i * 104729L) % 1000;
    }
    return v;
  }

  /** Runs one round over clients 1..n; returns the unmasked sum, or null when it cannot be unmasked. */
  private static Object[] run(int n, int k, int t, int d, Drops drops) {
    Set<Integer> all = new TreeSet<>();
    for (int c = 1; c <= n; c++) {
      all.add(c);
    }
    SecAggServerRound server = new SecAggServerRound(3, 0, new SecAggServerRound.Params(k, t, BITS), all);
    Map<Integer, SecAggClientRound> clients = new TreeMap<>();
    for (int c : all) {
      SecAggClientRound cr = new SecAggClientRound(c, 3, 0, SecAggCrypto.seeded(1000 + c));
      clients.put(c, cr);
      server.onKeys(c, cr.keys());
    }
    var rosters = server.rosters(RandomSource.XO_RO_SHI_RO_128_PP.create(42L));
    for (var e : rosters.entrySet()) {
      if (drops.afterKeys().contains(e.getKey())) {
        continue;
      }
      server.onShares(e.getKey(), clients.get(e.getKey()).onRoster(e.getValue()));
    }
    SortedMap<Integer, SecAggShares> fw = server.forwards();
    for (var e : fw.entrySet()) {
      if (!drops.afterShares().contains(e.getKey())) {
        clients.get(e.getKey()).onForward(e.getValue());
      }
    }
    Set<Integer> sent = new TreeSet<>();
    for (int c : fw.keySet()) {
      if (!drops.afterShares().contains(c)) {
        server.onMasked(c, clients.get(c).mask(input(c, d)));
        sent.add(c);
      }
    }
    Set<Integer> keep = new TreeSet<>(sent);
    keep.removeAll(drops.afterMasking());
    SortedMap<Integer, SecAggUnmask> asks = server.unmask(keep);
    for (var e : asks.entrySet()) {
      if (!drops.noReveal().contains(e.getKey())) {
        server.onReveal(e.getKey(), clients.get(e.getKey()).reveal(e.getValue()));
      }
    }
    long[] expected = new long[d];
    for (int c : keep) {
      long[] x = input(c, d);
      for (int i = 0; i < d; i++) {
        expected[i] += x[i];
      }
    }
    return new Object[] {server.recoverable() ? server.sum() : null, expected, server, keep};
  }

  private static final Set<Integer> NONE = Set.of();

  @Test
  void withoutDropoutsTheSumIsExact() {
    Object[] r = run(9, 4, 3, 1000, new Drops(NONE, NONE, NONE, NONE));
    assertArrayEquals((long[]) r[1], (long[]) r[0]);
    Object[] complete = run(5, 10, 3, 10, new Drops(NONE, NONE, NONE, NONE)); // k >= n - 1: everyone linked
    assertArrayEquals((long[]) complete[1], (long[]) complete[0]);
  }

  @Test
  void dropoutsAtEveryStageLeaveTheSumOfTheSurvivors() {
    Object[] r = run(12, 8, 3, 300, new Drops(Set.of(2), Set.of(5), Set.of(7, 11), Set.of(9)));
    assertEquals(Set.of(1, 3, 4, 6, 8, 9, 10, 12), r[3]);
    assertArrayEquals((long[]) r[1], (long[]) r[0]);
  }

  @Test
  void tooFewSharesCannotBeUnmasked() {
    // Degree 2 with threshold 2: a survivor whose neighbour never reveals cannot be unmasked.
    Object[] r = run(6, 2, 2, 10, new Drops(NONE, NONE, NONE, Set.of(1, 2, 3)));
    assertEquals(null, r[0]);
  }

  @Test
  void theServerNeverHoldsBothSecretsOfOneClient() {
    Object[] r = run(12, 6, 3, 50, new Drops(NONE, Set.of(4), Set.of(8), NONE));
    Map<String, Set<Integer>> learned = ((SecAggServerRound) r[2]).learned();
    Set<Integer> both = new HashSet<>(learned.get("self"));
    both.retainAll(learned.get("key"));
    assertTrue(both.isEmpty(), "self-mask and mask-key shares of " + both);
    assertTrue(learned.get("key").contains(8), "the late client's mask key is rebuilt");
    assertFalse(learned.get("self").contains(8), "and its self mask never");
  }

  @Test
  void aMaskedVectorDiffersFromItsInput() {
    SecAggServerRound server = new SecAggServerRound(1, 0, new SecAggServerRound.Params(4, 2, BITS), Set.of(1, 2, 3));
    Map<Integer, SecAggClientRound> cs = advertised(server, 3);
    shareAll(server, cs);
    long[] x = new long[64];
    long[] y = cs.get(1).mask(x);
    int same = 0;
    for (long v : y) {
      same += v == 0 ? 1 : 0;
      assertTrue(v >= 0 && v < 1L << BITS);
    }
    assertTrue(same < 3, same + " of 64 masked zeros stayed zero");
  }

  @Test
  void aClientRevealsOnceAndNeverBothSharesOfANeighbour() {
    SecAggServerRound server = new SecAggServerRound(1, 0, new SecAggServerRound.Params(4, 2, BITS), Set.of(1, 2, 3, 4));
    Map<Integer, SecAggClientRound> cs = advertised(server, 4);
    shareAll(server, cs);
    SecAggClientRound c1 = cs.get(1);
    assertThrows(InvalidMessageException.class, () -> c1.reveal(SecAggUnmask.newBuilder().addSurvivors(1).addSurvivors(2)
        .addDropped(2).build()));
    SecAggReveal first = c1.reveal(SecAggUnmask.newBuilder().addSurvivors(1).addSurvivors(2).addDropped(3).build());
    assertEquals(2, first.getSharesCount());
    assertThrows(InvalidMessageException.class, () -> c1.reveal(SecAggUnmask.newBuilder().addSurvivors(1).addDropped(2)
        .build()), "a second request could ask for the other share");
  }

  @Test
  void tamperedOrMisroutedSharesAreRefused() {
    SecAggServerRound server = new SecAggServerRound(1, 0, new SecAggServerRound.Params(4, 2, BITS), Set.of(1, 2, 3));
    Map<Integer, SecAggClientRound> cs = advertised(server, 3);
    assertThrows(InvalidMessageException.class, () -> server.onKeys(9, cs.get(1).keys()), "not invited");
    var rosters = server.rosters(RandomSource.XO_RO_SHI_RO_128_PP.create(1L));
    rosters.forEach((c, r) -> server.onShares(c, cs.get(c).onRoster(r)));
    SecAggShares forC2 = server.forwards().get(2);
    var bad = forC2.toBuilder();
    byte[] ct = bad.getSealed(0).getCiphertext().toByteArray();
    ct[0] ^= 1;
    bad.setSealed(0, bad.getSealed(0).toBuilder().setCiphertext(com.google.protobuf.ByteString.copyFrom(ct)));
    assertThrows(InvalidMessageException.class, () -> cs.get(2).onForward(bad.build()));
    var misrouted = server.forwards().get(3); // sealed for client 3, delivered to client 2
    assertThrows(InvalidMessageException.class, () -> cs.get(2).onForward(misrouted));
  }

  /** Clients 1..n of round 1, their keys given to the server. */
  private static Map<Integer, SecAggClientRound> advertised(SecAggServerRound server, int n) {
    Map<Integer, SecAggClientRound> cs = new TreeMap<>();
    for (int c = 1; c <= n; c++) {
      cs.put(c, new SecAggClientRound(c, 1, 0, SecAggCrypto.seeded(c)));
      server.onKeys(c, cs.get(c).keys());
    }
    return cs;
  }

  /** Rosters out, shares in, shares forwarded: every client ready to mask. */
  private static void shareAll(SecAggServerRound server, Map<Integer, SecAggClientRound> cs) {
    server.rosters(RandomSource.XO_RO_SHI_RO_128_PP.create(1L)).forEach((c, r) -> server.onShares(c, cs.get(c).onRoster(r)));
    server.forwards().forEach((c, f) -> cs.get(c).onForward(f));
  }

  @Test
  void shamirRecoversFromAnyThresholdSubset() {
    byte[] secret = new byte[32];
    new java.util.Random(5).nextBytes(secret);
    Shamir.Share[] s = Shamir.split(secret, new int[] {3, 8, 12, 20, 31}, 3, SecAggCrypto.seeded(9));
    assertArrayEquals(secret, Shamir.combine(List.of(s[4], s[0], s[2]), 3));
    assertArrayEquals(secret, Shamir.combine(List.of(s[1], s[3], s[2]), 3));
    assertThrows(InvalidMessageException.class, () -> Shamir.combine(List.of(s[1], s[3]), 2),
        "two shares of a degree-2 polynomial give a field element, not the secret");
  }
}
