package dev.starling.sampling.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class PartitionersTest {

  private static final int N = 6000;
  private static final int NODES = 50;

  private static int[] labels() {
    UniformRandomProvider r = RandomSource.XO_RO_SHI_RO_128_PP.create(1L);
    int[] y = new int[N];
    for (int i = 0; i < N; i++) {
      y[i] = r.nextInt(10);
    }
    return y;
  }

  private static int[] groups() {
    int[] g = new int[N];
    for (int i = 0; i < N; i++) {
      g[i] = i % 80;
    }
    return g;
  }

  private static UniformRandomProvider rng(long seed) {
    return RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
  }

  private static void assertEachSampleOnce(int[][] parts, int n) {
    int[] seen = new int[n];
    for (int[] p : parts) {
      for (int k = 1; k < p.length; k++) {
        assertTrue(p[k - 1] < p[k], "indices sorted and distinct within a node");
      }
      for (int i : p) {
        seen[i]++;
      }
    }
    for (int i = 0; i < n; i++) {
      assertEquals(1, seen[i], "sample " + i + " assigned exactly once");
    }
  }

  @Test
  void everySampleAssignedExactlyOnce() {
    int[] y = labels();
    for (Partitioner p : List.of(new IidPartitioner(), new DirichletPartitioner(0.5, 10),
        new DirichletPartitioner(0.05, 1), new ShardPartitioner(2))) {
      int[][] parts = p.partition(y, null, NODES, rng(3));
      assertEquals(NODES, parts.length, p.describe());
      assertEachSampleOnce(parts, N);
    }
  }

  @Test
  void iidSharesDifferByAtMostOne() {
    int[][] parts = new IidPartitioner().partition(labels(), null, 7, rng(3));
    int min = Integer.MAX_VALUE, max = 0;
    for (int[] p : parts) {
      min = Math.min(min, p.length);
      max = Math.max(max, p.length);
    }
    assertTrue(max - min <= 1);
  }

  @Test
  void dirichletSkewGrowsAsAlphaShrinks() {
    int[] y = labels();
    double prev = -1;
    for (double alpha : new double[] {1000, 10, 1, 0.1, 0.01}) {
      int[][] parts = new DirichletPartitioner(alpha, 0).partition(y, null, NODES, rng(5));
      double skew = Partitions.labelSkew(parts, y);
      assertTrue(skew > prev, "skew " + skew + " at alpha " + alpha + " should exceed " + prev);
      prev = skew;
    }
    double iid = Partitions.labelSkew(new IidPartitioner().partition(y, null, NODES, rng(5)), y);
    double dir01 = Partitions.labelSkew(new DirichletPartitioner(0.1, 0).partition(y, null, NODES, rng(5)), y);
    assertTrue(iid < 0.15 && dir01 > 0.5, "iid " + iid + " vs dirichlet(0.1) " + dir01);
  }

  @Test
  void dirichletRespectsMinimumSize() {
    int[][] parts = new DirichletPartitioner(0.3, 20).partition(labels(), null, NODES, rng(9));
    for (int[] p : parts) {
      assertTrue(p.length >= 20);
    }
  }

  @Test
  void shardsGiveFewClassesPerNode() {
    int[] y = labels();
    int[][] parts = new ShardPartitioner(2).partition(y, null, NODES, rng(2));
    for (int[] p : parts) {
      long classes = java.util.Arrays.stream(p).map(i -> y[i]).distinct().count();
      assertTrue(classes <= 4, "node sees " + classes + " classes"); // 2 shards, each spans <= 2 labels
    }
  }

  @Test
  void naturalGivesOneOwnerPerNode() {
    int[] y = labels();
    int[] g = groups();
    int[][] parts = new NaturalPartitioner().partition(y, g, 80, rng(1));
    assertEachSampleOnce(parts, N);
    for (int[] p : parts) {
      int owner = g[p[0]];
      for (int i : p) {
        assertEquals(owner, g[i]);
      }
    }
    int[][] fewer = new NaturalPartitioner().partition(y, g, 10, rng(1));
    assertEquals(10, fewer.length);
    assertThrows(IllegalArgumentException.class, () -> new NaturalPartitioner().partition(y, g, 81, rng(1)));
    assertThrows(IllegalArgumentException.class, () -> new NaturalPartitioner().partition(y, null, 5, rng(1)));
  }

  @Test
  void sameSeedSamePartition() {
    int[] y = labels();
    int[][] a = new DirichletPartitioner(0.5, 5).partition(y, null, NODES, rng(11));
    int[][] b = new DirichletPartitioner(0.5, 5).partition(y, null, NODES, rng(11));
    int[][] c = new DirichletPartitioner(0.5, 5).partition(y, null, NODES, rng(12));
    for (int k = 0; k < NODES; k++) {
      assertArrayEquals(a[k], b[k]);
    }
    boolean differs = false;
    for (int k = 0; k < NODES; k++) {
      differs |= !java.util.Arrays.equals(a[k], c[k]);
    }
    assertTrue(differs);
  }

  @Test
  void badArgumentsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DirichletPartitioner(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new IidPartitioner().partition(new int[3], null, 4, rng(1)));
    assertThrows(IllegalArgumentException.class, () -> new ShardPartitioner(0));
  }
}
