package dev.starling.node.privacy;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.VectorKernels;
import dev.starling.aggregator.WeightedVector;
import dev.starling.privacy.mechanism.Clipping;
import dev.starling.privacy.mechanism.GaussianMechanism;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The server side of central DP-FedAvg: re-clips every update to L2 norm C (a client that did not
 * clip cannot raise the sensitivity), sums them with equal weight, adds N(0, (sigma C)^2) per
 * coordinate and divides by the expected number of clients (a fixed denominator keeps the
 * sensitivity at C whatever the cohort size).
 */
public final class DpGaussianAggregator implements Aggregator {

  private final double clipNorm;
  private final GaussianMechanism noise;
  private final int expectedClients;
  private final UniformRandomProvider rng;

  public DpGaussianAggregator(double clipNorm, double noiseMultiplier, int expectedClients, UniformRandomProvider rng) {
    if (expectedClients < 1) {
      throw new IllegalArgumentException("expected clients must be >= 1, got " + expectedClients);
    }
    this.clipNorm = clipNorm;
    this.noise = new GaussianMechanism(noiseMultiplier);
    this.expectedClients = expectedClients;
    this.rng = rng;
  }

  @Override
  public float[] aggregate(List<WeightedVector> updates) {
    int d = Aggregator.checkedLength(updates);
    float[][] vs = new float[updates.size()][];
    float[] ws = new float[updates.size()];
    for (int k = 0; k < vs.length; k++) {
      vs[k] = updates.get(k).values().clone();
      Clipping.l2(vs[k], clipNorm);
      ws[k] = 1f;
    }
    float[] sum = new float[d];
    VectorKernels.weightedSum(vs, ws, sum);
    noise.addNoise(sum, clipNorm, rng);
    float inv = 1f / expectedClients;
    for (int i = 0; i < d; i++) {
      sum[i] *= inv;
    }
    return sum;
  }

  @Override
  public String name() {
    return "dp-gaussian";
  }
}
