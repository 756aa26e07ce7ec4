package dev.starling.privacy.math;

import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;

/** Numerics in log space shared by the accountants. */
public final class LogMath {
  private LogMath() {}

  /** log(exp(a) + exp(b)). */
  public static double logAdd(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double hi = Math.max(a, b);
    return hi + StrictMath.log1p(StrictMath.exp(Math.min(a, b) - hi));
  }

  /**
   * log of a sum of exp(t) over terms added one at a time, with one exp per term (instead of the
   * exp and log1p of {@link #logAdd}): the sum is kept relative to the largest term so far and
   * rescaled when a larger one arrives. The order of additions fixes the result.
   */
  public static final class LogSum {
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;

    public void add(double t) {
      if (t <= max) {
        sum += StrictMath.exp(t - max);
      } else if (t != Double.NEGATIVE_INFINITY) {
        sum = max == Double.NEGATIVE_INFINITY ? 1 : sum * StrictMath.exp(max - t) + 1;
        max = t;
      }
    }

    /** log of the sum so far; -inf when nothing (or only zeros) was added. */
    public double value() {
      return max == Double.NEGATIVE_INFINITY ? max : max + StrictMath.log(sum);
    }
  }

  /** log(exp(a) - exp(b)) for a >= b; -inf when equal. */
  public static double logSub(double a, double b) {
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    if (a < b) {
      throw new ArithmeticException("logSub of a smaller number: " + a + " < " + b);
    }
    if (a == b) {
      return Double.NEGATIVE_INFINITY;
    }
    return a + StrictMath.log(-StrictMath.expm1(b - a));
  }

  /** log(erfc(x)), accurate for large positive x (asymptotic series beyond the double range). */
  public static double logErfc(double x) {
    if (x < 20) {
      return StrictMath.log(Erf.erfc(x));
    }
    // erfc(x) = exp(-x^2)/(x sqrt(pi)) * (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + ...)
    double x2 = x * x;
    double series = 1 - 1 / (2 * x2) + 3 / (4 * x2 * x2) - 15 / (8 * x2 * x2 * x2) + 105 / (16 * x2 * x2 * x2 * x2);
    return -x2 - StrictMath.log(x) - 0.5 * StrictMath.log(Math.PI) + StrictMath.log(series);
  }

  /** log of the standard normal survival function P(Z > z). */
  public static double logNormalSf(double z) {
    return StrictMath.log(0.5) + logErfc(z / Math.sqrt(2));
  }

  /** log|binomial(alpha, i)| for real alpha and integer i >= 0, and its sign. */
  public static double logAbsBinomial(double alpha, int i, int[] sign) {
    // binom(a, i) = prod_{k=0}^{i-1} (a - k) / i!
    int s = 1;
    double log = -Gamma.logGamma(i + 1.0);
    for (int k = 0; k < i; k++) {
      double f = alpha - k;
      if (f == 0) {
        sign[0] = 0;
        return Double.NEGATIVE_INFINITY;
      }
      if (f < 0) {
        s = -s;
      }
      log += StrictMath.log(Math.abs(f));
    }
    sign[0] = s;
    return log;
  }
}
