package dev.starling.privacy.rdp;

import dev.starling.privacy.math.LogMath;

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
    double logQ = StrictMath.log(q);
    double log1mQ = StrictMath.log1p(-q);
    LogMath.LogSum logA = new LogMath.LogSum();
    double logBinom = 0; // log C(alpha, 0)
    for (long i = 0; i <= alpha; i++) {
      if (i > 0) {
        logBinom += StrictMath.log((double) (alpha - i + 1) / i);
      }
      logA.add(logBinom + i * logQ + (alpha - i) * log1mQ + (i * (double) i - i) / (2 * s2));
    }
    return logA.value();
  }

  private double logAFractional(double alpha) {
    double q = samplingRate;
    double sigma = noiseMultiplier;
    double s2 = sigma * sigma;
    LogMath.LogSum logA0 = new LogMath.LogSum();
    LogMath.LogSum logA1 = new LogMath.LogSum();
    LogMath.LogSum neg0 = new LogMath.LogSum();
    LogMath.LogSum neg1 = new LogMath.LogSum();
    double z0 = s2 * StrictMath.log(1 / q - 1) + 0.5;
    double logQ = StrictMath.log(q);
    double log1mQ = StrictMath.log1p(-q);
    double logHalf = StrictMath.log(0.5);
    double scale = Math.sqrt(2) * sigma;
    // |binom(alpha, i)| and its sign, kept incrementally: binom(a, i) = binom(a, i-1) (a-i+1) / i
    double logCoef = 0;
    int sign = 1;
    for (int i = 0; i < 100_000; i++) {
      if (i > 0) {
        double f = alpha - (i - 1);
        if (f == 0) {
          sign = 0; // every later coefficient is zero too
          break;
        }
        if (f < 0) {
          sign = -sign;
        }
        logCoef += StrictMath.log(Math.abs(f) / i);
      }
      double j = alpha - i;
      double logS0 = logCoef + i * logQ + j * log1mQ + (i * (double) i - i) / (2 * s2)
          + logHalf + LogMath.logErfc((i - z0) / scale);
      double logS1 = logCoef + j * logQ + i * log1mQ + (j * j - j) / (2 * s2)
          + logHalf + LogMath.logErfc((z0 - j) / scale);
      if (sign > 0) {
        logA0.add(logS0);
        logA1.add(logS1);
      } else {
        neg0.add(logS0);
        neg1.add(logS1);
      }
      if (Math.max(logS0, logS1) < -30 && i > alpha) {
        break;
      }
    }
    double pos = LogMath.logAdd(logA0.value(), logA1.value());
    double neg = LogMath.logAdd(neg0.value(), neg1.value());
    return neg > pos ? Double.NEGATIVE_INFINITY : LogMath.logSub(pos, neg);
  }
}
