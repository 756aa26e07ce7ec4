package dev.starling.privacy.calibration;

import dev.starling.privacy.Accounting;
import dev.starling.privacy.rqm.RqmParams;
import java.util.function.DoubleUnaryOperator;

/**
 * Solves for the mechanism parameter that just meets a target epsilon: the smallest Gaussian
 * noise multiplier, the largest RQM keep probability, or the smallest RQM range ratio Delta/c.
 * Epsilon is monotone in each, so bisection finds it; the returned value always satisfies the
 * target (the search keeps the feasible end).
 */
public final class Calibration {
  private Calibration() {}

  /** A calibrated parameter and the epsilon it achieves. */
  public record Calibrated(double value, Accounting.Result result) {}

  public static Calibrated gaussianNoise(double targetEpsilon, double q, long steps, double delta, Accounting.Kind kind,
      double interval) {
    checkTarget(targetEpsilon);
    DoubleUnaryOperator eps = s -> Accounting.gaussian(s, q, steps, delta, kind, interval).epsilon();
    double lo = 1e-3;
    double hi = 1;
    while (eps.applyAsDouble(hi) > targetEpsilon) {
      lo = hi;
      hi *= 2;
      if (hi > 1e6) {
        throw new IllegalArgumentException("no noise multiplier below 1e6 reaches epsilon " + targetEpsilon);
      }
    }
    // eps decreasing in sigma: find the smallest feasible sigma in (lo, hi].
    for (int i = 0; i < 40 && (hi - lo) > 1e-4 * hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (eps.applyAsDouble(mid) <= targetEpsilon) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return new Calibrated(hi, Accounting.gaussian(hi, q, steps, delta, kind, interval));
  }

  public static Calibrated rqmKeepProb(double targetEpsilon, int levels, double rangeRatio, long coordinates,
      long rounds, double samplingRate, double delta, Accounting.Kind kind, double interval) {
    checkTarget(targetEpsilon);
    if (levels == 2) {
      throw new IllegalArgumentException("with 2 levels there is no keep probability to calibrate; calibrate --range-ratio");
    }
    DoubleUnaryOperator eps = q -> Accounting.rqm(RqmParams.ofRatio(levels, q, rangeRatio), coordinates, rounds,
        samplingRate, delta, kind, interval).epsilon();
    double lo = 1e-6;
    double hi = 1 - 1e-6;
    if (eps.applyAsDouble(lo) > targetEpsilon) {
      throw new IllegalArgumentException("even keep probability " + lo + " exceeds epsilon " + targetEpsilon
          + "; raise --range-ratio or lower the coordinates or rounds");
    }
    // eps increasing in q: find the largest feasible q in [lo, hi).
    for (int i = 0; i < 40 && hi - lo > 1e-5; i++) {
      double mid = 0.5 * (lo + hi);
      if (eps.applyAsDouble(mid) <= targetEpsilon) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return new Calibrated(lo, Accounting.rqm(RqmParams.ofRatio(levels, lo, rangeRatio), coordinates, rounds,
        samplingRate, delta, kind, interval));
  }

  public static Calibrated rqmRangeRatio(double targetEpsilon, int levels, double keepProb, long coordinates,
      long rounds, double samplingRate, double delta, Accounting.Kind kind, double interval) {
    checkTarget(targetEpsilon);
    DoubleUnaryOperator eps = r -> Accounting.rqm(RqmParams.ofRatio(levels, keepProb, r), coordinates, rounds,
        samplingRate, delta, kind, interval).epsilon();
    double lo = 1e-3;
    double hi = 1;
    while (eps.applyAsDouble(hi) > targetEpsilon) {
      lo = hi;
      hi *= 2;
      if (hi > 1e9) {
        throw new IllegalArgumentException("no range ratio below 1e9 reaches epsilon " + targetEpsilon);
      }
    }
    for (int i = 0; i < 40 && (hi - lo) > 1e-4 * hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (eps.applyAsDouble(mid) <= targetEpsilon) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return new Calibrated(hi, Accounting.rqm(RqmParams.ofRatio(levels, keepProb, hi), coordinates, rounds, samplingRate,
        delta, kind, interval));
  }

  private static void checkTarget(double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw new IllegalArgumentException("target epsilon must be > 0, got " + t);
    }
  }
}
