package dev.starling.privacy;

import dev.starling.privacy.pld.PrivacyLossDistribution;
import dev.starling.privacy.rdp.GaussianRdp;
import dev.starling.privacy.rdp.RdpAccountant;
import dev.starling.privacy.rdp.RdpCurve;
import dev.starling.privacy.rdp.SampledWithoutReplacementRdp;
import dev.starling.privacy.rdp.SubsampledGaussianRdp;
import dev.starling.privacy.rqm.AggregateRqm;
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

  /**
   * How the units (examples, clients) of a step are chosen, which fixes the neighbouring relation
   * the guarantee is stated under: Poisson sampling (each unit independently) with add-or-remove
   * one unit, or a fixed-size sample without replacement with replace-one unit (the dataset size
   * is public, so only replacing a unit is a neighbour).
   */
  public enum Sampling {
    POISSON("poisson", "add-or-remove-one"),
    FIXED_SIZE("fixed-size-without-replacement", "replace-one");

    /** The name reports use. */
    public final String label;

    /** The neighbouring relation the guarantee holds under. */
    public final String relation;

    Sampling(String label, String relation) {
      this.label = label;
      this.relation = relation;
    }
  }

  /** An (epsilon, delta) statement; {@code order} is the optimal Rényi order (NaN for PLD). */
  public record Result(double epsilon, double delta, Kind accountant, double order) {}

  /**
   * Gaussian mechanism, noise multiplier sigma, Poisson sampling rate q per step (1 = every step),
   * {@code steps} compositions, add/remove-one neighbours.
   */
  public static Result gaussian(double sigma, double q, long steps, double delta, Kind kind, double interval) {
    return gaussian(sigma, q, steps, delta, kind, interval, Sampling.POISSON);
  }

  /**
   * The Gaussian mechanism under either sampling scheme. Fixed-size sampling is accounted under
   * replace-one, where the sum of clipped units moves by up to twice the clipping norm (noise
   * multiplier sigma / 2 for that sensitivity), amplified by Wang, Balle and Kasiviswanathan's
   * bound for sampling without replacement (RDP only: the PLD accountant refuses it rather than
   * state a pair it cannot prove dominating).
   */
  public static Result gaussian(double sigma, double q, long steps, double delta, Kind kind, double interval,
      Sampling sampling) {
    checkDelta(delta);
    if (sampling == Sampling.FIXED_SIZE) {
      if (kind == Kind.PLD && q < 1) {
        throw new IllegalArgumentException("the PLD accountant has no proven dominating pair for fixed-size sampling"
            + " (replace-one); use the rdp accountant, or Poisson sampling");
      }
      if (kind == Kind.PLD) {
        double eps = PrivacyLossDistribution.gaussian(sigma / 2, interval, PrivacyLossDistribution.DEFAULT_TAIL)
            .selfCompose(steps).epsilon(delta);
        return new Result(eps, delta, kind, Double.NaN);
      }
      RdpAccountant.Result r = new RdpAccountant().compose(fixedSizeGaussian(sigma, q), steps).epsilon(delta);
      return new Result(r.epsilon(), delta, kind, r.order());
    }
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
    // A dominating pair for one coordinate from the envelope of every input pair's privacy curve
    // (composing a few chosen pairs, as before, proved nothing about mixtures of pairs), composed
    // over every coordinate of every round.
    long n = Math.multiplyExact(coordinates, rounds);
    PrivacyLossDistribution one = PrivacyLossDistribution.fromPrivacyCurve(an::envelopeDelta, pure, 0, interval);
    double eps = one.selfCompose(n).epsilon(delta);
    return new Result(eps, delta, kind, Double.NaN);
  }

  /**
   * One step of the Gaussian mechanism (noise sigma x the clipping norm) on a fixed-size sample
   * drawn without replacement with ratio q, replace-one neighbours.
   */
  public static RdpCurve fixedSizeGaussian(double sigma, double q) {
    RdpCurve replaceOne = new GaussianRdp(sigma / 2);
    return q < 1 ? new SampledWithoutReplacementRdp(replaceOne, q, Double.POSITIVE_INFINITY) : replaceOne;
  }

  /**
   * RQM under secure aggregation: what the server sees is each coordinate's sum over the round's
   * clients ({@link AggregateRqm}, one client's update replaced, the others' inputs worst case),
   * {@code coordinates} per message, {@code rounds} messages, each round the client sampled
   * without replacement with ratio {@code samplingRate}; RDP.
   */
  public static Result rqmAggregate(AggregateRqm sum, long coordinates, long rounds, double samplingRate, double delta) {
    checkDelta(delta);
    RdpCurve message = sum.curve(coordinates);
    double messagePure = coordinates * sum.pureEpsilon();
    RdpCurve perRound = samplingRate < 1 ? new SampledWithoutReplacementRdp(message, samplingRate, messagePure) : message;
    double roundPure = samplingRate < 1 ? StrictMath.log1p(samplingRate * StrictMath.expm1(messagePure)) : messagePure;
    RdpAccountant.Result r = new RdpAccountant().compose(perRound, roundPure, rounds).epsilon(delta);
    return new Result(r.epsilon(), delta, Kind.RDP, r.order());
  }

  static void checkDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
  }
}
