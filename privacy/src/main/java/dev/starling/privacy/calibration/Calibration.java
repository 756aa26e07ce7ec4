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
    return gaussianNoise(targetEpsilon, q, steps, delta, kind, interval, Accounting.Sampling.POISSON);
  }

  public static Calibrated gaussianNoise(double targetEpsilon, double q, long steps, double delta, Accounting.Kind kind,
      double interval, Accounting.Sampling sampling) {
    checkTarget(targetEpsilon);
    double sigma = smallestFeasible(s -> Accounting.gaussian(s, q, steps, delta, kind, interval, sampling).epsilon(),
        targetEpsilon, 1e6, "noise multiplier");
    return new Calibrated(sigma, Accounting.gaussian(sigma, q, steps, delta, kind, interval, sampling));
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
    double ratio = smallestFeasible(r -> Accounting.rqm(RqmParams.ofRatio(levels, keepProb, r), coordinates, rounds,
        samplingRate, delta, kind, interval).epsilon(), targetEpsilon, 1e9, "range ratio");
    return new Calibrated(ratio, Accounting.rqm(RqmParams.ofRatio(levels, keepProb, ratio), coordinates, rounds,
        samplingRate, delta, kind, interval));
  }

  /**
   * The smallest range ratio Delta/c whose RQM, seen by the server only as sums over
   * {@code clients} clients (secure aggregation), meets the target; RDP.
   */
  public static Calibrated rqmRangeRatioAggregate(double targetEpsilon, int levels, double keepProb, long coordinates,
      long rounds, double samplingRate, int clients, double delta) {
    checkTarget(targetEpsilon);
    java.util.function.DoubleFunction<Accounting.Result> at = r -> Accounting.rqmAggregate(
        new dev.starling.privacy.rqm.AggregateRqm(RqmParams.ofRatio(levels, keepProb, r), clients), coordinates, rounds,
        samplingRate, delta);
    double ratio = smallestFeasible(r -> at.apply(r).epsilon(), targetEpsilon, 1e9, "range ratio");
    return new Calibrated(ratio, at.apply(ratio));
  }

  /**
   * The smallest x with eps(x) <= target for an eps decreasing in x: doubling from 1 to bracket
   * it, then bisection to 1e-4 relative; the feasible end is returned.
   */
  private static double smallestFeasible(DoubleUnaryOperator eps, double target, double limit, String what) {
    double lo = 1e-3;
    double hi = 1;
    while (eps.applyAsDouble(hi) > target) {
      lo = hi;
      hi *= 2;
      if (hi > limit) {
        throw new IllegalArgumentException("no " + what + " below " + limit + " reaches epsilon " + target);
      }
    }
    for (int i = 0; i < 40 && (hi - lo) > 1e-4 * hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (eps.applyAsDouble(mid) <= target) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static void checkTarget(double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw new IllegalArgumentException("target epsilon must be > 0, got " + t);
    }
  }
}
