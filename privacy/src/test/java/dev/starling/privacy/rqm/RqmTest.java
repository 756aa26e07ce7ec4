package dev.starling.privacy.rqm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.privacy.Accounting;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class RqmTest {

  /** P_x by brute force over all 2^(m-2) keep patterns, each with its probability. */
  private static double[] enumerate(RqmParams p, double x) {
    int m = p.levels();
    int interior = m - 2;
    double[] out = new double[m];
    for (int mask = 0; mask < (1 << interior); mask++) {
      double prob = 1;
      boolean[] kept = new boolean[m];
      kept[0] = true;
      kept[m - 1] = true;
      for (int i = 0; i < interior; i++) {
        boolean k = (mask >> i & 1) == 1;
        kept[i + 1] = k;
        prob *= k ? p.keepProb() : 1 - p.keepProb();
      }
      int lo = 0;
      for (int i = 0; i < m; i++) {
        if (kept[i] && p.level(i) <= x) {
          lo = i;
        }
      }
      int hi = m - 1;
      for (int i = m - 1; i >= 0; i--) {
        if (kept[i] && p.level(i) > x) {
          hi = i;
        }
      }
      double up = (x - p.level(lo)) / (p.level(hi) - p.level(lo));
      out[hi] += prob * up;
      out[lo] += prob * (1 - up);
    }
    return out;
  }

  @Test
  void closedFormPmfMatchesEnumerationOfAllKeepPatterns() {
    for (int m = 3; m <= 9; m++) {
      for (double q : new double[] {0.1, 0.5, 0.9}) {
        for (double ratio : new double[] {0.3, 1, 4}) {
          RqmParams p = RqmParams.ofRatio(m, q, ratio);
          for (double x : new double[] {-1, -0.77, -0.2, 0, 0.31, 0.999, 1, Math.max(-1, Math.min(1, p.level(m / 2)))}) {
            double[] a = RqmAnalysis.pmf(p, x);
            double[] b = enumerate(p, x);
            double sum = 0;
            double mean = 0;
            for (int k = 0; k < m; k++) {
              assertEquals(b[k], a[k], 1e-12, "m=" + m + " q=" + q + " r=" + ratio + " x=" + x + " k=" + k);
              sum += a[k];
              mean += a[k] * p.level(k);
            }
            assertEquals(1, sum, 1e-12);
            assertEquals(x, mean, 1e-12, "unbiased");
          }
        }
      }
    }
  }

  @Test
  void twoLevelsHasTheClosedFormPureEpsilon() {
    for (double ratio : new double[] {1, 4, 30}) {
      // eps_inf = ln((2c + Delta)/Delta)
      assertEquals(Math.log((2 + ratio) / ratio), new RqmAnalysis(RqmParams.ofRatio(2, 0, ratio)).pureEpsilon(), 1e-12);
    }
  }

  @Test
  void perCoordinateValuesOfPrivacyNotesTable() {
    // m, q, Delta/c, D2, D8, D32, eps_inf (privacy.md section 1.2)
    double[][] rows = {
      {2, 0, 1, 0.8473, 1.0575, 1.0893, 1.0986},
      {2, 0, 4, 0.1542, 0.3328, 0.3890, 0.4055},
      {4, 0.25, 2, 0.6672, 0.8950, 0.9434, 0.9808},
      {4, 0.5, 1, 1.6189, 1.9081, 1.9905, 2.0149},
      {8, 0.5, 2, 1.9972, 2.3609, 2.4563, 2.4872},
      {16, 0.25, 1, 2.9493, 3.2527, 3.3863, 3.4310},
      {16, 0.5, 4, 2.7207, 2.9979, 3.0688, 3.0912},
      {16, 0.75, 4, 5.1975, 5.3394, 5.3700, 5.3793},
    };
    for (double[] r : rows) {
      RqmAnalysis a = new RqmAnalysis(RqmParams.ofRatio((int) r[0], r[1], r[2]));
      assertEquals(r[3], a.renyi(2), 6e-5);
      assertEquals(r[4], a.renyi(8), 6e-5);
      assertEquals(r[5], a.renyi(32), 6e-5);
      assertEquals(r[6], a.pureEpsilon(), 6e-5);
    }
  }

  @Test
  void worstPairIsNotAlwaysTheExtremePair() {
    // m = 12, q = 0.25, Delta/c = 0.5: pure eps 3.6418 at (c, -c) but the supremum is 3.7352.
    RqmAnalysis a = new RqmAnalysis(RqmParams.ofRatio(12, 0.25, 0.5));
    assertEquals(3.7352, a.pureEpsilon(), 1e-4);
  }

  @Test
  void compositionExamplesOfPrivacyNotes() {
    // m = 2, Delta/c = 30, n = 100 compositions, delta 1e-5: RDP 2.818, PLD 2.619.
    RqmParams two = RqmParams.ofRatio(2, 0, 30);
    assertEquals(2.818, Accounting.rqm(two, 1, 100, 1, 1e-5, Accounting.Kind.RDP, 1e-4).epsilon(), 3e-3);
    assertEquals(2.619, Accounting.rqm(two, 1, 100, 1, 1e-5, Accounting.Kind.PLD, 1e-4).epsilon(), 0.01 * 2.619);
    RqmParams sixteen = RqmParams.ofRatio(16, 0.25, 100);
    assertEquals(3.428, Accounting.rqm(sixteen, 100, 1, 1, 1e-5, Accounting.Kind.RDP, 1e-4).epsilon(), 3e-3);
    assertEquals(3.189, Accounting.rqm(sixteen, 100, 1, 1, 1e-5, Accounting.Kind.PLD, 1e-4).epsilon(), 0.01 * 3.189);
  }

  @Test
  void samplerIsUnbiasedAndMatchesThePmf() {
    RqmParams p = RqmParams.ofRatio(8, 0.4, 1.5);
    Rqm rqm = new Rqm(p);
    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(42L);
    double x = 0.37;
    int n = 400_000;
    long[] counts = new long[8];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      int z = rqm.quantize(x, rng);
      counts[z]++;
      sum += p.level(z);
    }
    double[] pmf = RqmAnalysis.pmf(p, x);
    double chi2 = 0;
    for (int k = 0; k < 8; k++) {
      double e = pmf[k] * n;
      chi2 += (counts[k] - e) * (counts[k] - e) / e;
    }
    assertTrue(chi2 < 24.3, "chi-square with 7 dof: " + chi2); // p = 0.001 critical value
    double var = 0;
    for (int k = 0; k < 8; k++) {
      var += pmf[k] * (p.level(k) - x) * (p.level(k) - x);
    }
    assertEquals(x, sum / n, 5 * Math.sqrt(var / n), "mean of quantizations equals the input");
    // clipping: inputs beyond c are treated as c
    assertEquals(RqmAnalysis.pmf(p, 1)[7], RqmAnalysis.pmf(p, 5)[7], 0);
  }

  @Test
  void keepProbabilityOneIsRefusedWithTheReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RqmParams(1, 1, 4, 1.0));
    assertTrue(e.getMessage().contains("infinite"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RqmParams(1, 0, 4, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new RqmParams(1, 1, 1, 0.5));
  }
}
