package dev.starling.privacy.mechanism;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * Adds N(0, (noiseMultiplier * sensitivity)^2) to every coordinate. With L2 clipping to the
 * sensitivity C, the Gaussian mechanism's RDP is alpha / (2 noiseMultiplier^2).
 */
public final class GaussianMechanism {

  private final double noiseMultiplier;

  public GaussianMechanism(double noiseMultiplier) {
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException("noise multiplier must be >= 0, got " + noiseMultiplier);
    }
    this.noiseMultiplier = noiseMultiplier;
  }

  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  /** Adds the noise for sensitivity {@code sensitivity} to {@code v} in place. */
  public void addNoise(float[] v, double sensitivity, UniformRandomProvider rng) {
    double sd = noiseMultiplier * sensitivity;
    if (sd == 0) {
      return;
    }
    ZigguratSampler.NormalizedGaussian g = ZigguratSampler.NormalizedGaussian.of(rng);
    for (int i = 0; i < v.length; i++) {
      v[i] += (float) (sd * g.sample());
    }
  }
}
