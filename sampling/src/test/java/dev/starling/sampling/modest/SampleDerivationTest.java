package dev.starling.sampling.modest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SampleDerivationTest {

  private static final List<Integer> TWELVE = IntStream.range(0, 12).boxed().toList();

  @Test
  void frozenVectorsComputedIndependentlyWithPythonHashlib() {
    // python3: sorted(ids, key=lambda j: (hashlib.md5(f'{j}-{k}'.encode()).digest(), j))
    assertEquals("d5ac5a27c34ebfd7a1dbd16d5b99edfb", HexFormat.of().formatHex(SampleDerivation.key(7, 3)));
    assertEquals(List.of(6, 10, 5, 11, 4, 2, 8, 7, 9, 0, 3, 1), SampleDerivation.order(1, TWELVE));
    assertEquals(List.of(6, 8, 4, 2, 9, 7, 10, 1, 11, 3, 5, 0), SampleDerivation.order(2, TWELVE));
    assertEquals(List.of(4, 7, 0, 6, 11, 9, 5, 10, 3, 8, 2, 1), SampleDerivation.order(17, TWELVE));
    assertEquals(List.of(8, 11, 0, 10, 6, 7, 2, 3, 5, 1, 9, 4), SampleDerivation.order(1000, TWELVE));
    assertEquals(List.of(39, 36, 84, 91, 18, 34, 77, 30, 65, 69),
        SampleDerivation.order(5, IntStream.range(0, 100).boxed().toList()).subList(0, 10));
  }

  @Test
  void equalViewsDeriveEqualSamplesWhateverTheMapOrder() {
    SplittableRandom r = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      Map<Integer, ViewEntry> a = new TreeMap<>();
      Map<Integer, ViewEntry> b = new java.util.HashMap<>();
      int n = 5 + r.nextInt(60);
      for (int j = 0; j < n; j++) {
        ViewEntry e = new ViewEntry(r.nextInt(40) - 1, r.nextInt(3),
            r.nextInt(5) == 0 ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
        a.put(j * 3, e);
        b.put(j * 3, e);
      }
      long k = 1 + r.nextInt(50);
      int s = 1 + r.nextInt(10);
      // Two different nodes with the same view agree on the sample of k and the aggregators of k + 1,
      // except that each always counts itself.
      List<Integer> sa = SampleDerivation.sample(k, s, 0, a, 20);
      List<Integer> sb = SampleDerivation.sample(k, s, 0, b, 20);
      assertEquals(sa, sb);
      assertEquals(SampleDerivation.sample(k + 1, s, 0, a, 20), SampleDerivation.sample(k + 1, s, 0, b, 20));
    }
  }

  @Test
  void candidatesDropLeaversAndTheInactiveButNeverSelf() {
    Map<Integer, ViewEntry> view = new TreeMap<>();
    view.put(1, new ViewEntry(18, 0, ViewEntry.Status.JOIN)); // active: 18 >= 20 - 5
    view.put(2, new ViewEntry(19, 1, ViewEntry.Status.LEAVE)); // left
    view.put(3, new ViewEntry(2, 0, ViewEntry.Status.JOIN)); // inactive for k = 20, T = 5
    view.put(4, new ViewEntry(2, 1, ViewEntry.Status.LEAVE)); // self: kept although inactive and left
    assertEquals(List.of(1, 4), SampleDerivation.candidates(20, 4, view, 5));
    // a node that is not in its own view still counts itself
    assertEquals(List.of(1, 9), SampleDerivation.candidates(20, 9, view, 5));
    // the boundary: last active exactly k - T is still active
    view.put(3, new ViewEntry(15, 0, ViewEntry.Status.JOIN));
    assertEquals(List.of(1, 3, 4), SampleDerivation.candidates(20, 4, view, 5));
  }

  @Test
  void mergeKeepsActivityAndTakesNewerMembership() {
    ViewEntry mine = new ViewEntry(30, 1, ViewEntry.Status.JOIN);
    ViewEntry theirs = new ViewEntry(12, 2, ViewEntry.Status.LEAVE);
    // the fixed rule: newer membership index wins, activity stays the max (30), not the index (2)
    assertEquals(new ViewEntry(30, 2, ViewEntry.Status.LEAVE), mine.merge(theirs));
    assertEquals(new ViewEntry(30, 2, ViewEntry.Status.LEAVE), theirs.merge(mine.merge(theirs)));
    assertEquals(new ViewEntry(40, 1, ViewEntry.Status.JOIN), mine.merge(new ViewEntry(40, 1, ViewEntry.Status.LEAVE)));
  }

  @Test
  void theSharedRankingIsTheOrderOfEveryIdWithTiesOnTheTopBitsResolved() {
    for (long k : new long[] {1, 2, 17, 1_000_003}) {
      for (int n : new int[] {1, 9, 10, 11, 1000, 20_000}) {
        int[] all = new int[n];
        java.util.Arrays.setAll(all, i -> i);
        int[] expected = SampleDerivation.order(k, all);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, SampleDerivation.rankAll(k, n), "k " + k + ", n " + n);
        // 6 bits: ties on the packed bits in almost every run, resolved by the whole digest
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, SampleDerivation.rankAll(k, n, 6), "k " + k + ", n " + n);
      }
    }
    // The same array for every peer that asks, and another for another round.
    assertSame(SampleDerivation.ranking(5, 300), SampleDerivation.ranking(5, 300));
    assertNotSame(SampleDerivation.ranking(5, 300), SampleDerivation.ranking(6, 300));
  }
}
