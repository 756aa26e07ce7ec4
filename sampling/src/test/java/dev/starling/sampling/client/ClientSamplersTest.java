package dev.starling.sampling.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class ClientSamplersTest {

  private static final List<Integer> IDS = IntStream.range(0, 100).boxed().toList();

  private static UniformRandomProvider rng(long s) {
    return RandomSource.XO_RO_SHI_RO_128_PP.create(s);
  }

  @Test
  void fixedCountIsDistinctSortedAndUniform() {
    UniformRandomProvider r = rng(1);
    int[] hits = new int[100];
    for (int t = 0; t < 2000; t++) {
      List<Integer> s = new FixedCountSampler(10).sample(IDS, r);
      assertEquals(10, s.size());
      assertEquals(10, new HashSet<>(s).size());
      for (int i = 1; i < s.size(); i++) {
        assertTrue(s.get(i - 1) < s.get(i));
      }
      s.forEach(i -> hits[i]++);
    }
    // Each id expected 200 times; a 5-sigma band is about +-67.
    for (int h : hits) {
      assertTrue(h > 130 && h < 270, "hits " + h);
    }
    assertEquals(3, new FixedCountSampler(10).sample(List.of(4, 5, 6), r).size());
  }

  @Test
  void fractionRoundsAndKeepsAtLeastOne() {
    assertEquals(10, new FractionSampler(0.1).sample(IDS, rng(2)).size());
    assertEquals(1, new FractionSampler(0.001).sample(IDS, rng(2)).size());
    assertThrows(IllegalArgumentException.class, () -> new FractionSampler(0));
  }

  @Test
  void poissonRoundSizeHasTheRightMean() {
    UniformRandomProvider r = rng(3);
    long total = 0;
    int rounds = 4000;
    for (int t = 0; t < rounds; t++) {
      total += new PoissonSampler(0.05).sample(IDS, r).size();
    }
    double mean = (double) total / rounds;
    // Binomial(100, 0.05): mean 5, sd of the mean ~ 0.034
    assertEquals(5.0, mean, 0.2);
    assertThrows(IllegalArgumentException.class, () -> new PoissonSampler(1.5));
  }

  @Test
  void chooseDrawsWhatShufflingACopyDrawsWithoutTheCopy() {
    java.util.List<Integer> from = new java.util.ArrayList<>();
    for (int c = 1; c <= 500; c++) {
      from.add(c * 3);
    }
    for (long seed = 0; seed < 200; seed++) {
      int k = (int) (seed % 60);
      var a = org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
      var b = org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
      java.util.List<Integer> pool = new java.util.ArrayList<>(from); // the partial Fisher-Yates on a copy
      for (int i = 0; i < k; i++) {
        java.util.Collections.swap(pool, i, i + a.nextInt(pool.size() - i));
      }
      java.util.List<Integer> expected = new java.util.ArrayList<>(pool.subList(0, k));
      java.util.Collections.sort(expected);
      org.junit.jupiter.api.Assertions.assertEquals(expected, Samplers.choose(from, k, b), "seed " + seed);
      org.junit.jupiter.api.Assertions.assertEquals(a.nextLong(), b.nextLong(), "the same draws were used");
    }
  }
}
