package dev.starling.bench;

import dev.starling.privacy.Accounting;
import dev.starling.privacy.math.LogMath;
import dev.starling.privacy.pld.PrivacyLossDistribution;
import dev.starling.privacy.rdp.RdpAccountant;
import dev.starling.privacy.rdp.SubsampledGaussianRdp;
import dev.starling.privacy.rqm.RqmParams;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to answer "epsilon after N steps": the subsampled Gaussian (q = 0.01, sigma = 1, 10,000
 * steps, delta = 1e-5) with RDP and with PLD at 1e-4, and an RQM schedule of 1,000 rounds of
 * 10^5 coordinates, each next to a straightforward implementation of the same computation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class PrivacyBench {

  static final double Q = 0.01;
  static final double SIGMA = 1.0;
  static final long STEPS = 10_000;
  static final double DELTA = 1e-5;

  @Benchmark
  public double rdpGaussian() {
    return new RdpAccountant().compose(new SubsampledGaussianRdp(Q, SIGMA), STEPS).epsilon(DELTA).epsilon();
  }

  /**
   * Baseline: the RDP of each step by integrating the Rényi divergence of the mixture against the
   * Gaussian numerically (trapezoid, 20,000 points over +-20 sigma) at dp_accounting's orders.
   */
  @Benchmark
  public double rdpGaussianBaselineQuadrature() {
    double[] orders = new double[156];
    int k = 0;
    for (int i = 11; i < 110; i++) {
      orders[k++] = i / 10.0;
    }
    for (int a = 11; a <= 63; a++) {
      orders[k++] = a;
    }
    orders[k++] = 128;
    orders[k++] = 256;
    orders[k++] = 512;
    orders[k] = 1024;
    double best = Double.POSITIVE_INFINITY;
    int n = 20_000;
    double lo = -20 * SIGMA;
    double hi = 1 + 20 * SIGMA;
    double dx = (hi - lo) / n;
    for (double a : orders) {
      // D_a(mix || N0) = 1/(a-1) log E_{N0}[(mix/N0)^a]
      double acc = Double.NEGATIVE_INFINITY;
      for (int i = 0; i <= n; i++) {
        double x = lo + i * dx;
        double logN0 = -x * x / (2 * SIGMA * SIGMA);
        double logRatio = StrictMath.log1p(Q * StrictMath.expm1((2 * x - 1) / (2 * SIGMA * SIGMA)));
        double w = (i == 0 || i == n) ? 0.5 : 1;
        acc = LogMath.logAdd(acc, StrictMath.log(w * dx) + logN0 - 0.5 * StrictMath.log(2 * Math.PI * SIGMA * SIGMA) + a * logRatio);
      }
      double rdp = STEPS * acc / (a - 1);
      best = Math.min(best, rdp + StrictMath.log1p(-1 / a) - (StrictMath.log(DELTA) + StrictMath.log(a)) / (a - 1));
    }
    return best;
  }

  @Benchmark
  public double pldGaussian() {
    return Accounting.gaussian(SIGMA, Q, STEPS, DELTA, Accounting.Kind.PLD, 1e-4).epsilon();
  }

  /** Baseline: compose by binary exponentiation (pairwise FFT convolutions), truncating tails each time. */
  @Benchmark
  public double pldGaussianBaselineSquaring() {
    PrivacyLossDistribution[] p = PrivacyLossDistribution.poissonSubsampledGaussian(Q, SIGMA, 1e-4, 1e-15);
    double eps = 0;
    for (PrivacyLossDistribution one : p) {
      PrivacyLossDistribution result = null;
      PrivacyLossDistribution power = one;
      long t = STEPS;
      while (t > 0) {
        if ((t & 1) == 1) {
          result = result == null ? power : result.compose(power).truncate(1e-15);
        }
        t >>= 1;
        if (t > 0) {
          power = power.compose(power).truncate(1e-15);
        }
      }
      eps = Math.max(eps, result.epsilon(DELTA));
    }
    return eps;
  }

  @Benchmark
  public double rqmSchedule() {
    return Accounting.rqm(RqmParams.ofRatio(16, 0.25, 100), 100_000, 1_000, 1.0, DELTA, Accounting.Kind.RDP, 1e-4)
        .epsilon();
  }

  /** Baseline: the same RDP, with each candidate's pmf built by enumerating all 2^14 keep patterns. */
  @Benchmark
  public double rqmScheduleBaselineEnumeration() {
    RqmParams p = RqmParams.ofRatio(16, 0.25, 100);
    java.util.List<Double> cands = new java.util.ArrayList<>();
    cands.add(-1.0);
    for (int i = 0; i < p.levels(); i++) {
      if (p.level(i) > -1 && p.level(i) < 1) {
        cands.add(p.level(i));
      }
    }
    cands.add(1.0);
    double[][] pmfs = new double[cands.size()][];
    for (int c = 0; c < pmfs.length; c++) {
      pmfs[c] = enumerate(p, cands.get(c));
    }
    RdpAccountant acc = new RdpAccountant();
    acc.compose(alpha -> {
      double worst = 0;
      for (double[] a : pmfs) {
        for (double[] b : pmfs) {
          double s = 0;
          for (int k = 0; k < a.length; k++) {
            s += StrictMath.pow(a[k], alpha) * StrictMath.pow(b[k], 1 - alpha);
          }
          worst = Math.max(worst, StrictMath.log(s) / (alpha - 1));
        }
      }
      return 100_000L * worst;
    }, 1_000);
    return acc.epsilon(DELTA).epsilon();
  }

  private static double[] enumerate(RqmParams p, double x) {
    int m = p.levels();
    double[] out = new double[m];
    for (int mask = 0; mask < (1 << (m - 2)); mask++) {
      double prob = 1;
      boolean[] kept = new boolean[m];
      kept[0] = true;
      kept[m - 1] = true;
      for (int i = 0; i < m - 2; i++) {
        kept[i + 1] = (mask >> i & 1) == 1;
        prob *= kept[i + 1] ? p.keepProb() : 1 - p.keepProb();
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
}
