package dev.starling.node.privacy;

import dev.starling.aggregator.Aggregator;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.Fp32Codec;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Tensor;
import dev.starling.privacy.Accounting;
import dev.starling.privacy.mechanism.Clipping;
import dev.starling.privacy.rdp.RdpCurve;
import dev.starling.privacy.rdp.SampledWithoutReplacementRdp;
import dev.starling.privacy.rdp.SubsampledGaussianRdp;
import dev.starling.privacy.rqm.AggregateRqm;
import dev.starling.privacy.rqm.Rqm;
import dev.starling.privacy.rqm.RqmAnalysis;
import dev.starling.privacy.rqm.RqmParams;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * How client updates are privatized, as wrappers around the plain FL path (Flower's "privacy as
 * wrappers"): the client-side encoding, the server-side aggregation, and the per-round privacy
 * cost the server's ledger composes.
 */
public sealed interface UpdatePrivacy {

  /** The client's update as it goes on the wire. */
  Tensor encode(float[] delta, UniformRandomProvider rng);

  /** The aggregator the server uses (the plain one, or a private wrapper around it). */
  Aggregator aggregator(Aggregator plain, int expectedClients, UniformRandomProvider serverRng);

  /** The RDP cost of one round for any one client, or null when not private. */
  RdpCurve roundCurve();

  /** Pure-DP epsilon of one round, or +infinity when the mechanism has none. */
  default double roundPureEpsilon() {
    return Double.POSITIVE_INFINITY;
  }

  /**
   * The RDP cost of one round a client took part in, without the amplification of being sampled
   * (which no longer applies once its participation is known): what the per-client ledger
   * composes over a client's actual participations. Null when not private.
   */
  default RdpCurve participationCurve() {
    return null;
  }

  /** Pure-DP epsilon of one participation, or +infinity when the mechanism has none. */
  default double participationPureEpsilon() {
    return Double.POSITIVE_INFINITY;
  }

  /** A short name for reports. */
  String name();

  /** No privacy: updates in the configured codec (FP32 by default) and the configured aggregator. */
  record None(Codec codec) implements UpdatePrivacy {
    public None() {
      this(new Fp32Codec());
    }

    @Override
    public Tensor encode(float[] delta, UniformRandomProvider rng) {
      return codec.encode(delta, rng);
    }

    @Override
    public Aggregator aggregator(Aggregator plain, int expectedClients, UniformRandomProvider serverRng) {
      return plain;
    }

    @Override
    public RdpCurve roundCurve() {
      return null;
    }

    @Override
    public String name() {
      return "none";
    }
  }

  /**
   * Central DP-FedAvg (McMahan et al. 2018): clients clip their update to L2 norm C; the server
   * sums the (re-clipped) updates with equal weight, adds N(0, (sigma C)^2) and divides by the
   * expected number of clients. With Poisson sampling accounted as the Poisson-subsampled
   * Gaussian with rate q per round, add-or-remove one client; with a fixed-size sample
   * ({@code fixedSize}) as sampling without replacement with ratio q, replace-one client (the sum
   * then moves by up to 2C).
   */
  record CentralGaussian(double clipNorm, double noiseMultiplier, double samplingRate, Codec codec, boolean fixedSize)
      implements UpdatePrivacy {
    public CentralGaussian {
      if (!(clipNorm > 0) || !(noiseMultiplier >= 0) || !(samplingRate > 0 && samplingRate <= 1)) {
        throw new IllegalArgumentException("need clip > 0, noise multiplier >= 0 and sampling rate in (0, 1]");
      }
    }

    /** Poisson sampling at rate {@code samplingRate}. */
    public CentralGaussian(double clipNorm, double noiseMultiplier, double samplingRate) {
      this(clipNorm, noiseMultiplier, samplingRate, new Fp32Codec(), false);
    }

    @Override
    public Tensor encode(float[] delta, UniformRandomProvider rng) {
      float[] v = delta.clone();
      Clipping.l2(v, clipNorm);
      return codec.encode(v, rng);
    }

    @Override
    public Aggregator aggregator(Aggregator plain, int expectedClients, UniformRandomProvider serverRng) {
      return new DpGaussianAggregator(clipNorm, noiseMultiplier, expectedClients, serverRng);
    }

    @Override
    public RdpCurve roundCurve() {
      return fixedSize ? Accounting.fixedSizeGaussian(noiseMultiplier, samplingRate)
          : new SubsampledGaussianRdp(samplingRate, noiseMultiplier);
    }

    @Override
    public RdpCurve participationCurve() {
      return fixedSize ? Accounting.fixedSizeGaussian(noiseMultiplier, 1) : new SubsampledGaussianRdp(1, noiseMultiplier);
    }

    @Override
    public String name() {
      return "gaussian";
    }
  }

  /**
   * Local DP with RQM: each coordinate of the client's update is clipped to [-c, c] and sent as an
   * RQM level index (ceil(log2 m) bits on the wire); the server decodes the unbiased level values
   * and aggregates as usual. A round costs the client {@code d} compositions of RQM's per-coordinate
   * RDP, amplified by the server sampling it without replacement with ratio k/N (replace-one).
   * Under secure aggregation ({@code sumOf} >= 1) the server sees only each coordinate's sum over
   * at least {@code sumOf} clients, and the round is accounted with {@link AggregateRqm}.
   */
  record LocalRqm(RqmParams params, long coordinates, double samplingRatio, int sumOf) implements UpdatePrivacy {
    /** Local DP (the server sees every update). */
    public LocalRqm(RqmParams params, long coordinates, double samplingRatio) {
      this(params, coordinates, samplingRatio, 0);
    }

    @Override
    public Tensor encode(float[] delta, UniformRandomProvider rng) {
      float[] v = delta.clone();
      Clipping.lInf(v, params.clip());
      int[] z = new Rqm(params).quantize(v, rng);
      return Tensors.rqm(z, params.levels(), params.outer());
    }

    @Override
    public Aggregator aggregator(Aggregator plain, int expectedClients, UniformRandomProvider serverRng) {
      return plain;
    }

    /** The same mechanism as the server would account it seeing every update. */
    public LocalRqm local() {
      return new LocalRqm(params, coordinates, samplingRatio, 0);
    }

    private AggregateRqm sum() {
      return SUMS.computeIfAbsent(java.util.List.of(params, sumOf), k -> new AggregateRqm(params, sumOf));
    }

    @Override
    public RdpCurve participationCurve() {
      return sumOf >= 1 ? sum().curve(coordinates) : new RqmAnalysis(params).curve(coordinates);
    }

    @Override
    public double participationPureEpsilon() {
      return coordinates * (sumOf >= 1 ? sum().pureEpsilon() : new RqmAnalysis(params).pureEpsilon());
    }

    @Override
    public RdpCurve roundCurve() {
      RdpCurve message = participationCurve();
      return samplingRatio < 1 ? new SampledWithoutReplacementRdp(message, samplingRatio, participationPureEpsilon())
          : message;
    }

    @Override
    public double roundPureEpsilon() {
      double message = participationPureEpsilon();
      return samplingRatio < 1 ? StrictMath.log1p(samplingRatio * StrictMath.expm1(message)) : message;
    }

    @Override
    public String name() {
      return "rqm";
    }
  }

  /** Aggregate analyses by (parameters, clients): each is an enumeration worth doing once per run. */
  java.util.Map<java.util.List<Object>, AggregateRqm> SUMS = new java.util.concurrent.ConcurrentHashMap<>();
}
