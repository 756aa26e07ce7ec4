package dev.starling.privacy.rdp;

import dev.starling.privacy.LogMath;

/**
 * The Poisson-subsampled Gaussian mechanism (add/remove-one neighbours), following Mironov, Talwar
 * and Zhang 2019: at integer orders the exact binomial expansion, at fractional orders the
 * two-sided series with its signed terms (summing absolute values, as dp_accounting does since
 * 2024, over-estimates badly at large q*T). Everything is in log space.
 */
public record SubsampledGaussianRdp(double samplingRate, double noiseMultiplier) implements RdpCurve {

  public SubsampledGaussianRdp {
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + samplingRate);
    }
    if (!(noiseMultiplier >= 0)) {
      throw new IllegalArgumentException("noise multiplier must be >= 0, got " + noiseMultiplier);
    }
  }

  @Override
  public double epsilon(double alpha) {
    if (!(alpha > 1)) {
      throw new IllegalArgumentException("Renyi order must be > 1, got " + alpha);
    }
    if (noiseMultiplier == 0) {
      return Double.POSITIVE_INFINITY;
    }
    if (samplingRate == 1) {
      return alpha / (2 * noiseMultiplier * noiseMultiplier);
    }
    if (Double.isInfinite(alpha)) {
      return Double.POSITIVE_INFINITY;
    }
    double logA = alpha == Math.rint(alpha) && alpha < 1e6 ? logAInteger((long) alpha) : logAFractional(alpha);
    return Math.max(0, logA / (alpha - 1));
  }

  /** log A_alpha = log sum_i C(alpha,i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2)). */
  private double logAInteger(long alpha) {
    double q = samplingRate;
    double s2 = noiseMultiplier * noiseMultiplier;
    double logA = Double.NEGATIVE_INFINITY;
    double logBinom = 0; // log C(alpha, 0)
    for (long i = 0; i <= alpha; i++) {
      if (i > 0) {
        logBinom += StrictMath.log((double) (alpha - i + 1) / i);
      }
      double term = logBinom + i * StrictMath.log(q) + (alpha - i) * StrictMath.log1p(-q) + (i * (double) i - i) / (2 * s2);
      logA = LogMath.logAdd(logA, term);
    }
    return logA;
  }

  private double logAFractional(double alpha) {
    double q = samplingRate;
    double sigma = noiseMultiplier;
    double s2 = sigma * sigma;
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double z0 = s2 * StrictMath.log(1 / q - 1) + 0.5;
    int[] sign = new int[1];
    double neg0 = Double.NEGATIVE_INFINITY;
    double neg1 = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < 100_000; i++) {
      double logCoef = LogMath.logAbsBinomial(alpha, i, sign);
      double j = alpha - i;
      double logT0 = logCoef + i * StrictMath.log(q) + j * StrictMath.log1p(-q);
      double logT1 = logCoef + j * StrictMath.log(q) + i * StrictMath.log1p(-q);
      double logE0 = StrictMath.log(0.5) + LogMath.logErfc((i - z0) / (Math.sqrt(2) * sigma));
      double logE1 = StrictMath.log(0.5) + LogMath.logErfc((z0 - j) / (Math.sqrt(2) * sigma));
      double logS0 = logT0 + (i * (double) i - i) / (2 * s2) + logE0;
      double logS1 = logT1 + (j * j - j) / (2 * s2) + logE1;
      if (sign[0] > 0) {
        logA0 = LogMath.logAdd(logA0, logS0);
        logA1 = LogMath.logAdd(logA1, logS1);
      } else if (sign[0] < 0) {
        neg0 = LogMath.logAdd(neg0, logS0);
        neg1 = LogMath.logAdd(neg1, logS1);
      }
      if (Math.max(logS0, logS1) < -30 && i > alpha) {
        break;
      }
    }
    double pos = LogMath.logAdd(logA0, logA1);
    double neg = LogMath.logAdd(neg0, neg1);
    return neg > pos ? Double.NEGATIVE_INFINITY : LogMath.logSub(pos, neg);
  }
}
