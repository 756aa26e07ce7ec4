package dev.starling.privacy.rqm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The aggregate RQM accountant against brute force: for tiny n and m, every input of every
 * client on a fine grid (not only the breakpoints), the pmf of the sum by enumerating every tuple
 * of outputs, and the worst Rényi divergence over all of it must equal the accountant's.
 */
class AggregateRqmTest {

  /** D_alpha of two pmfs. */
  private static double renyi(double[] p, double[] q, double alpha) {
    double acc = 0;
    for (int s = 0; s < p.length; s++) {
      if (p[s] > 0) {
        acc += Math.pow(p[s], alpha) * Math.pow(q[s], 1 - alpha);
      }
    }
    return Math.log(acc) / (alpha - 1);
  }

  /** The pmf of the sum of the clients' outputs by enumerating every output tuple. */
  private static double[] bruteSum(RqmParams p, double[] inputs) {
    int m = p.levels();
    int n = inputs.length;
    double[][] pmf = new double[n][];
    for (int i = 0; i < n; i++) {
      pmf[i] = RqmAnalysis.pmf(p, inputs[i]);
    }
    double[] out = new double[n * (m - 1) + 1];
    int[] z = new int[n];
    while (true) {
      double pr = 1;
      int s = 0;
      for (int i = 0; i < n; i++) {
        pr *= pmf[i][z[i]];
        s += z[i];
      }
      out[s] += pr;
      int i = 0;
      while (i < n && ++z[i] == m) {
        z[i++] = 0;
      }
      if (i == n) {
        return out;
      }
    }
  }

  private static double bruteWorst(RqmParams p, int n, double alpha, double[] grid) {
    double worst = 0;
    int others = n - 1;
    int[] idx = new int[others];
    while (true) {
      for (double x : grid) {
        for (double y : grid) {
          double[] a = new double[n];
          double[] b = new double[n];
          a[0] = x;
          b[0] = y;
          for (int i = 0; i < others; i++) {
            a[i + 1] = grid[idx[i]];
            b[i + 1] = grid[idx[i]];
          }
          worst = Math.max(worst, renyi(bruteSum(p, a), bruteSum(p, b), alpha));
        }
      }
      int i = 0;
      while (i < others && ++idx[i] == grid.length) {
        idx[i++] = 0;
      }
      if (i == others || others == 0) {
        return worst;
      }
    }
  }

  private static double[] grid(RqmParams p) {
    TreeSet<Double> g = new TreeSet<>();
    for (double v : new RqmAnalysis(p).candidates()) {
      g.add(v);
    }
    for (int i = 0; i <= 6; i++) {
      g.add(-p.clip() + 2 * p.clip() * i / 6.0);
    }
    return g.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void equalsBruteForceOverEveryInputOnAFineGrid() {
    for (RqmParams p : new RqmParams[] {RqmParams.ofRatio(3, 0.5, 1.0), RqmParams.ofRatio(4, 0.3, 2.0),
        RqmParams.ofRatio(2, 0.5, 0.5)}) {
      for (int n : new int[] {1, 2, 3}) {
        AggregateRqm agg = new AggregateRqm(p, n);
        assertEquals(n - 1, agg.othersAnalysed());
        for (double alpha : new double[] {1.5, 2, 4, 9}) {
          double brute = bruteWorst(p, n, alpha, grid(p));
          assertEquals(brute, agg.epsilon(alpha), 1e-9 * Math.max(1, brute),
              "m " + p.levels() + ", n " + n + ", alpha " + alpha + ", grid " + Arrays.toString(grid(p)));
        }
      }
    }
  }

  @Test
  void oneClientIsTheLocalMechanismAndMoreClientsOnlyHelp() {
    RqmParams p = RqmParams.ofRatio(16, 0.25, 10);
    RqmAnalysis local = new RqmAnalysis(p);
    AggregateRqm one = new AggregateRqm(p, 1);
    double prev = Double.POSITIVE_INFINITY;
    for (int n : new int[] {1, 2, 5, 10}) {
      AggregateRqm agg = new AggregateRqm(p, n);
      for (double alpha : new double[] {2, 8, 32}) {
        assertTrue(agg.epsilon(alpha) <= local.renyi(alpha) + 1e-12, "never above the local curve");
      }
      assertTrue(agg.epsilon(8) < prev || n == 1, "n " + n + ": " + agg.epsilon(8) + " vs " + prev);
      prev = agg.epsilon(8);
    }
    assertEquals(local.renyi(4), one.epsilon(4), 1e-12);
    assertTrue(new AggregateRqm(p, 10).epsilon(8) < 0.5 * local.renyi(8), "ten clients hide one markedly");
  }

  @Test
  void aSumTooLargeToEnumerateIsBoundedByTheLargestThatFits() {
    RqmParams p = RqmParams.ofRatio(16, 0.25, 10);
    AggregateRqm big = new AggregateRqm(p, 1000, 20_000);
    assertTrue(big.othersAnalysed() < 999);
    AggregateRqm same = new AggregateRqm(p, big.othersAnalysed() + 1);
    assertEquals(same.epsilon(4), big.epsilon(4), 1e-12);
  }
}
