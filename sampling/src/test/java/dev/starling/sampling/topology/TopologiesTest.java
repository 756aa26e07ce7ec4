package dev.starling.sampling.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class TopologiesTest {

  private static UniformRandomProvider rng(long s) {
    return RandomSource.XO_RO_SHI_RO_128_PP.create(s);
  }

  private static void assertSymmetricSimple(List<int[]> g) {
    for (int i = 0; i < g.size(); i++) {
      for (int j : g.get(i)) {
        assertTrue(j != i, "no self-loop at " + i);
        assertTrue(java.util.Arrays.binarySearch(g.get(j), i) >= 0, i + "-" + j + " is not symmetric");
      }
    }
  }

  @Test
  void ringAndFullyConnected() {
    List<int[]> ring = new Ring().neighbours(5, 0, rng(1));
    assertArrayEquals(new int[] {1, 4}, ring.get(0));
    assertArrayEquals(new int[] {0, 2}, ring.get(1));
    assertSymmetricSimple(ring);
    List<int[]> full = new FullyConnected().neighbours(4, 0, rng(1));
    assertArrayEquals(new int[] {0, 1, 3}, full.get(2));
  }

  @Test
  void randomRegularIsRegularSimpleAndStaticOrFresh() {
    RandomRegular stat = new RandomRegular(4, false);
    UniformRandomProvider r = rng(2);
    List<int[]> g0 = stat.neighbours(30, 0, r);
    for (int[] nb : g0) {
      assertEquals(4, nb.length);
    }
    assertSymmetricSimple(g0);
    assertEquals(g0, stat.neighbours(30, 1, r), "a static graph is reused");
    RandomRegular fresh = new RandomRegular(4, true);
    List<int[]> f0 = fresh.neighbours(30, 0, r);
    List<int[]> f1 = fresh.neighbours(30, 1, r);
    boolean differs = false;
    for (int i = 0; i < 30; i++) {
      differs |= !java.util.Arrays.equals(f0.get(i), f1.get(i));
    }
    assertTrue(differs, "a dynamic graph is redrawn every round");
    assertThrows(IllegalArgumentException.class, () -> new RandomRegular(3, false).neighbours(5, 0, rng(1)));
  }

  @Test
  void onePeerExponentialCyclesThroughPowersOfTwo() {
    OnePeerExponential g = new OnePeerExponential();
    assertArrayEquals(new int[] {1}, g.neighbours(16, 0, rng(1)).get(0));
    assertArrayEquals(new int[] {2}, g.neighbours(16, 1, rng(1)).get(0));
    assertArrayEquals(new int[] {8}, g.neighbours(16, 3, rng(1)).get(0));
    assertArrayEquals(new int[] {1}, g.neighbours(16, 4, rng(1)).get(0));
    assertArrayEquals(new int[] {3}, g.neighbours(16, 1, rng(1)).get(15 - 14));
    assertNotEquals(g.neighbours(16, 0, rng(1)).get(0)[0], g.neighbours(16, 1, rng(1)).get(0)[0]);
  }

  @Test
  void metropolisHastingsIsSymmetricAndDoublyStochastic() {
    List<int[]> g = new RandomRegular(3, false).neighbours(10, 0, rng(4));
    // make degrees uneven: use a ring plus a chord
    List<int[]> uneven = List.of(new int[] {1, 2, 3}, new int[] {0, 2}, new int[] {0, 1, 3}, new int[] {0, 2});
    for (List<int[]> graph : List.of(g, uneven)) {
      int n = graph.size();
      double[][] full = new double[n][n];
      double[][] w = MetropolisHastings.weights(graph);
      for (int i = 0; i < n; i++) {
        int[] nb = graph.get(i);
        for (int k = 0; k < nb.length; k++) {
          full[i][nb[k]] = w[i][k];
        }
        full[i][i] = w[i][nb.length];
      }
      for (int i = 0; i < n; i++) {
        double row = 0;
        double col = 0;
        for (int j = 0; j < n; j++) {
          row += full[i][j];
          col += full[j][i];
          assertEquals(full[i][j], full[j][i], 1e-15);
          assertTrue(full[i][j] >= 0);
        }
        assertEquals(1, row, 1e-12);
        assertEquals(1, col, 1e-12);
      }
    }
    double[][] w = MetropolisHastings.weights(uneven);
    assertEquals(1.0 / 4, w[0][0], 1e-15); // node 0 (degree 3) and node 1 (degree 2): 1/(1+3)
  }

  @Test
  void tenRegularGraphsOnAHundredNodesAreDrawnAndSimple() {
    // Rejecting whole configuration-model pairings almost never succeeds for k = 10 (about e^-25).
    RandomRegular g = new RandomRegular(10, true);
    for (int round = 0; round < 5; round++) {
      List<int[]> nb = g.neighbours(100, round, rng(round));
      for (int i = 0; i < 100; i++) {
        int[] a = nb.get(i);
        assertEquals(10, a.length);
        for (int k = 0; k < a.length; k++) {
          org.junit.jupiter.api.Assertions.assertNotEquals(i, a[k]);
          if (k > 0) {
            org.junit.jupiter.api.Assertions.assertTrue(a[k] > a[k - 1], "no double edges");
          }
          org.junit.jupiter.api.Assertions.assertTrue(java.util.Arrays.binarySearch(nb.get(a[k]), i) >= 0, "symmetric");
        }
      }
    }
  }
}
