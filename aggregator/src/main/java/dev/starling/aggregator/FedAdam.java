package dev.starling.aggregator;

/** FedAdam (Reddi et al. 2021): {@code v = b2*v + (1-b2)*delta^2}. */
public final class FedAdam extends AdaptiveServerOptimizer {

  public FedAdam(double lr, double beta1, double beta2, double tau) {
    super(lr, beta1, beta2, tau);
  }

  @Override
  protected double secondMoment(double v, double d) {
    return beta2 * v + (1 - beta2) * d * d;
  }

  @Override
  public String name() {
    return "fedadam";
  }
}
