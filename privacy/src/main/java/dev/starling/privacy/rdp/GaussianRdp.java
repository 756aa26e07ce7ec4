package dev.starling.privacy.rdp;

/**
 * The Gaussian mechanism with noise multiplier sigma (noise standard deviation over L2
 * sensitivity): epsilon(alpha) = alpha / (2 sigma^2), exact.
 */
public record GaussianRdp(double noiseMultiplier) implements RdpCurve {
  public GaussianRdp {
    if (!(noiseMultiplier >= 0)) {
      throw new IllegalArgumentException("noise multiplier must be >= 0, got " + noiseMultiplier);
    }
  }

  @Override
  public double epsilon(double alpha) {
    return noiseMultiplier == 0 ? Double.POSITIVE_INFINITY : alpha / (2 * noiseMultiplier * noiseMultiplier);
  }
}
