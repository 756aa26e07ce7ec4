package dev.starling.aggregator;

/**
 * FedYogi (Reddi et al. 2021): {@code v = v - (1-b2)*delta^2*sign(v - delta^2)}, which grows
 * {@code v} additively rather than multiplicatively and so adapts more gently than Adam.
 */
public final class FedYogi extends AdaptiveServerOptimizer {

  public FedYogi(double lr, double beta1, double beta2, double tau) {
    super(lr, beta1, beta2, tau);
  }

  @Override
  protected double secondMoment(double v, double d) {
    double d2 = d * d;
    return v - (1 - beta2) * d2 * Math.signum(v - d2);
  }

  @Override
  public String name() {
    return "fedyogi";
  }
}
