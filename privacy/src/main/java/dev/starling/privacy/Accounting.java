package dev.starling.privacy;

import dev.starling.privacy.pld.PrivacyLossDistribution;
import dev.starling.privacy.rdp.RdpAccountant;
import dev.starling.privacy.rdp.RdpCurve;
import dev.starling.privacy.rdp.SampledWithoutReplacementRdp;
import dev.starling.privacy.rdp.SubsampledGaussianRdp;
import dev.starling.privacy.rqm.RqmAnalysis;
import dev.starling.privacy.rqm.RqmParams;

/**
 * The questions a privacy engineer asks, answered with either accountant: epsilon for a schedule
 * of the (Poisson-subsampled) Gaussian mechanism or of RQM.
 */
public final class Accounting {
  private Accounting() {}

  /** Which accountant. */
  public enum Kind {
    RDP,
    PLD
  }

  /** An (epsilon, delta) statement; {@code order} is the optimal Rényi order (NaN for PLD). */
  public record Result(double epsilon, double delta, Kind accountant, double order) {}

  /**
   * Gaussian mechanism, noise multiplier sigma, Poisson sampling rate q per step (1 = every step),
   * {@code steps} compositions, add/remove-one neighbours.
   */
  public static Result gaussian(double sigma, double q, long steps, double delta, Kind kind, double interval) {
    checkDelta(delta);
    if (kind == Kind.RDP) {
      RdpAccountant.Result r = new RdpAccountant().compose(new SubsampledGaussianRdp(q, sigma), steps).epsilon(delta);
      return new Result(r.epsilon(), delta, kind, r.order());
    }
    PrivacyLossDistribution[] plds =
        PrivacyLossDistribution.poissonSubsampledGaussian(q, sigma, interval, PrivacyLossDistribution.DEFAULT_TAIL);
    double eps = Math.max(plds[0].selfCompose(steps).epsilon(delta), plds[1].selfCompose(steps).epsilon(delta));
    return new Result(eps, delta, kind, Double.NaN);
  }

  /**
   * RQM on {@code coordinates} coordinates per message, {@code rounds} messages, each round the
   * client sampled without replacement with ratio {@code samplingRate} (1 = every round),
   * replace-one neighbours (the client's update changed arbitrarily).
   */
  public static Result rqm(RqmParams p, long coordinates, long rounds, double samplingRate, double delta, Kind kind,
      double interval) {
    checkDelta(delta);
    RqmAnalysis an = new RqmAnalysis(p);
    double pure = an.pureEpsilon();
    if (kind == Kind.RDP) {
      RdpCurve message = an.curve(coordinates);
      double messagePure = coordinates * pure;
      RdpCurve perRound = samplingRate < 1 ? new SampledWithoutReplacementRdp(message, samplingRate, messagePure) : message;
      double roundPure = samplingRate < 1 ? StrictMath.log1p(samplingRate * StrictMath.expm1(messagePure)) : messagePure;
      RdpAccountant.Result r = new RdpAccountant().compose(perRound, roundPure, rounds).epsilon(delta);
      return new Result(r.epsilon(), delta, kind, r.order());
    }
    if (samplingRate < 1) {
      throw new IllegalArgumentException(
          "the PLD accountant does not support client sampling for RQM yet; use the rdp accountant");
    }
    // Compose the worst pairs at the RDP-optimal orders and for pure DP; take the largest epsilon.
    long n = Math.multiplyExact(coordinates, rounds);
    RdpAccountant.Result rdp = new RdpAccountant().compose(an.curve(coordinates), coordinates * pure, rounds).epsilon(delta);
    double order = Double.isFinite(rdp.order()) ? rdp.order() : 64;
    double[] w1 = an.worstPair(order);
    double[] w2 = an.worstPair(2);
    double eps = 0;
    for (double[] w : new double[][] {w1, w2, {w1[1], w1[0]}}) {
      double[][] pq = an.pmfPair((int) w[0], (int) w[1]);
      PrivacyLossDistribution pld = PrivacyLossDistribution.fromPmfs(pq[0], pq[1], interval).selfCompose(n);
      eps = Math.max(eps, pld.epsilon(delta));
    }
    return new Result(eps, delta, kind, Double.NaN);
  }

  static void checkDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
  }
}
