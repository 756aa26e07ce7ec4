package dev.starling.privacy.pld;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.privacy.Accounting;
import dev.starling.privacy.math.LogMath;
import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;
import org.apache.commons.math3.complex.Complex;
import org.junit.jupiter.api.Test;

/**
 * Both accountants against a lower bound computed another way, over a grid of Poisson-subsampled
 * Gaussian schedules whose epsilon reaches 10^4: an optimistic PLD, each loss rounded down to
 * its grid point and every mass that does not fit dropped (each only lowers delta(eps), since
 * delta = E[(1 - e^(eps - L))_+] grows with L and with mass), composed with Commons Math's FFT
 * instead of the accountant's own, from the loss law written out here. A pessimistic accountant
 * below it would be unsound.
 */
class SoundnessGridTest {

  /** An optimistic loss pmf: mass at losses (k0 + i) h. */
  private record Pmf(long k0, double[] w, double h) {}

  /** log P(L > l) for one direction of the subsampled Gaussian (remove: P the mixture; add: P = N(0, s^2)). */
  private static double logSf(double l, double q, double s, boolean remove) {
    double lo = Math.log1p(-q);
    if (remove) {
      if (l <= lo) {
        return 0;
      }
      double x = s * s * (LogMath.logSub(l, lo) - Math.log(q)) + 0.5; // e^l alone overflows above 709
      return LogMath.logAdd(Math.log1p(-q) + LogMath.logNormalSf(x / s), Math.log(q) + LogMath.logNormalSf((x - 1) / s));
    }
    // add: L = -log(1 - q + q e^((2x - 1)/(2 s^2))), decreasing in x; L > l iff x < x(-l)
    if (l >= -lo) {
      return Double.NEGATIVE_INFINITY;
    }
    double x = s * s * (LogMath.logSub(-l, lo) - Math.log(q)) + 0.5;
    return Math.log1p(-Math.exp(LogMath.logNormalSf(x / s))); // P(N(0, s^2) < x)
  }

  private static Pmf optimistic(double q, double s, boolean remove, double h, double top) {
    double bottom = remove ? Math.log1p(-q) : -top;
    long k0 = (long) Math.floor(bottom / h);
    long k1 = (long) Math.ceil((remove ? top : -Math.log1p(-q)) / h);
    double[] w = new double[(int) (k1 - k0 + 1)];
    for (int i = 0; i < w.length; i++) {
      double a = (k0 + i) * h;
      double sfA = Math.exp(logSf(a, q, s, remove));
      double sfB = Math.exp(logSf(a + h, q, s, remove));
      w[i] = Math.max(0, sfA - sfB); // P(L in (a, a + h]) placed at a: rounded down
    }
    return new Pmf(k0, w, h);
  }

  private static Pmf convolve(Pmf a, Pmf b) {
    int n = a.w().length + b.w().length - 1;
    int size = Integer.highestOneBit(Math.max(1, n - 1)) << 1;
    double[] ra = java.util.Arrays.copyOf(a.w(), size);
    double[] rb = java.util.Arrays.copyOf(b.w(), size);
    FastFourierTransformer fft = new FastFourierTransformer(DftNormalization.STANDARD);
    Complex[] fa = fft.transform(ra, TransformType.FORWARD);
    Complex[] fb = fft.transform(rb, TransformType.FORWARD);
    for (int i = 0; i < size; i++) {
      fa[i] = fa[i].multiply(fb[i]);
    }
    Complex[] out = fft.transform(fa, TransformType.INVERSE);
    double max = 0;
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = out[i].getReal();
      max = Math.max(max, w[i]);
    }
    // FFT noise is ~1e-16 of the largest entry: drop everything below 1e-14 of it (dropping mass is optimistic).
    int lo = 0;
    int hi = n - 1;
    for (int i = 0; i < n; i++) {
      if (w[i] < 1e-14 * max) {
        w[i] = 0;
      }
    }
    while (lo < hi && w[lo] == 0) {
      lo++;
    }
    while (hi > lo && w[hi] == 0) {
      hi--;
    }
    return new Pmf(a.k0() + b.k0() + lo, java.util.Arrays.copyOfRange(w, lo, hi + 1), a.h());
  }

  private static Pmf compose(Pmf p, long times) {
    Pmf acc = null;
    Pmf base = p;
    while (times > 0) {
      if ((times & 1) == 1) {
        acc = acc == null ? base : convolve(acc, base);
      }
      times >>= 1;
      if (times > 0) {
        base = convolve(base, base);
      }
    }
    return acc;
  }

  private static double delta(Pmf p, double eps) {
    double d = 0;
    for (int i = p.w().length - 1; i >= 0; i--) {
      double l = (p.k0() + i) * p.h();
      if (l <= eps) {
        break;
      }
      d += p.w()[i] * -Math.expm1(eps - l);
    }
    return d;
  }

  private static double epsilon(Pmf p, double delta) {
    double lo = 0;
    double hi = (p.k0() + p.w().length) * p.h() + 1;
    if (delta(p, 0) <= delta) {
      return 0;
    }
    for (int it = 0; it < 100; it++) {
      double mid = 0.5 * (lo + hi);
      if (delta(p, mid) > delta) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Test
  void bothAccountantsAreAboveTheOptimisticBoundUpToTenThousand() {
    // {q, sigma, steps, grid of the lower bound, top loss, the PLD accountant's discretization}
    double[][] grid = {
        {0.01, 1.0, 1000, 1e-4, 12, 1e-4},
        {0.1, 1.0, 100, 1e-4, 12, 1e-4},
        {0.1, 0.5, 10_000, 0.02, 40, 1e-3},
        {0.5, 0.1, 10, 0.02, 150, 1e-2},
        {0.5, 0.03, 1, 0.05, 1500, 1e-2},
        {0.5, 0.007, 1, 0.5, 12_000, 0.1},
    };
    double delta = 1e-5;
    double largest = 0;
    for (double[] g : grid) {
      double q = g[0];
      double s = g[1];
      long t = (long) g[2];
      double lower = 0;
      for (boolean remove : new boolean[] {true, false}) {
        lower = Math.max(lower, epsilon(compose(optimistic(q, s, remove, g[3], g[4]), t), delta));
      }
      double rdp = Accounting.gaussian(s, q, t, delta, Accounting.Kind.RDP, g[5]).epsilon();
      double pld = Accounting.gaussian(s, q, t, delta, Accounting.Kind.PLD, g[5]).epsilon();
      String what = "q " + q + ", sigma " + s + ", " + t + " steps: lower " + lower + ", rdp " + rdp + ", pld " + pld;
      assertTrue(rdp >= lower * (1 - 1e-9), what);
      assertTrue(pld >= lower * (1 - 1e-9), what);
      // Rounding down costs up to one grid step per composition, so the bound is loose for many
      // steps; it is still far from vacuous.
      assertTrue(pld <= 2 * lower + 1, "and the bound is not vacuous: " + what);
      largest = Math.max(largest, lower);
    }
    assertTrue(largest > 1e4, "the grid reaches 10^4: " + largest);
  }
}
