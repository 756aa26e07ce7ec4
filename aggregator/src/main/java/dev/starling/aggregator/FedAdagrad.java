package dev.starling.aggregator;

/** FedAdagrad (Reddi et al. 2021): {@code v = v + delta^2}; beta2 is unused. */
public final class FedAdagrad extends AdaptiveServerOptimizer {

  public FedAdagrad(double lr, double beta1, double tau) {
    super(lr, beta1, 0.0, tau);
  }

  @Override
  protected double secondMoment(double v, double d) {
    return v + d * d;
  }

  @Override
  public String name() {
    return "fedadagrad";
  }
}
