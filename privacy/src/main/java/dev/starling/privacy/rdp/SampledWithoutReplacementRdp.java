package dev.starling.privacy.rdp;

import dev.starling.privacy.math.LogMath;

/**
 * Amplification by sampling without replacement for any mechanism given by its RDP curve and
 * replace-one neighbours (Wang, Balle and Kasiviswanathan 2019, Theorem 9), at integer orders;
 * a fractional order uses the next integer (RDP is non-decreasing in the order). The result is
 * always the minimum with the unamplified curve, since the general bound can be worse than no
 * sampling at all.
 */
public record SampledWithoutReplacementRdp(RdpCurve base, double samplingRatio, double basePureEpsilon)
    implements RdpCurve {

  public SampledWithoutReplacementRdp {
    if (!(samplingRatio > 0 && samplingRatio <= 1)) {
      throw new IllegalArgumentException("sampling ratio must be in (0, 1], got " + samplingRatio);
    }
  }

  @Override
  public double epsilon(double alpha) {
    double plain = base.epsilon(alpha);
    if (samplingRatio == 1) {
      return plain;
    }
    long a = (long) Math.ceil(alpha - 1e-12);
    a = Math.max(2, a);
    double g = samplingRatio;
    double eInf = basePureEpsilon;
    double e2 = base.epsilon(2);
    // log of: 1 + g^2 C(a,2) min{4(e^{e2} - 1), e^{e2} min{2, (e^{eInf} - 1)^2}}
    //           + sum_{j=3}^{a} g^j C(a,j) e^{(j-1) e(j)} min{2, (e^{eInf} - 1)^j}
    double logMinInf2 = Math.min(StrictMath.log(2), 2 * logExpm1(eInf));
    double second = Math.min(StrictMath.log(4) + logExpm1(e2), e2 + logMinInf2);
    double acc = 0; // log 1
    double logBinom = StrictMath.log(a) + StrictMath.log(a - 1) - StrictMath.log(2);
    acc = LogMath.logAdd(acc, 2 * StrictMath.log(g) + logBinom + second);
    for (long j = 3; j <= a; j++) {
      logBinom += StrictMath.log((double) (a - j + 1) / j);
      double ej = base.epsilon(j);
      if (Double.isInfinite(ej)) {
        return plain;
      }
      double minTerm = Math.min(StrictMath.log(2), j * logExpm1(eInf));
      acc = LogMath.logAdd(acc, j * StrictMath.log(g) + logBinom + (j - 1) * ej + minTerm);
    }
    double amplified = acc / (a - 1);
    return Math.min(plain, amplified);
  }

  /** log(e^x - 1), +infinity for infinite x. */
  private static double logExpm1(double x) {
    if (Double.isInfinite(x)) {
      return Double.POSITIVE_INFINITY;
    }
    return x > 30 ? x : StrictMath.log(StrictMath.expm1(x));
  }
}
