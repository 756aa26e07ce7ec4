package dev.starling.privacy.rdp;

/**
 * A Rényi-DP guarantee: for every order alpha > 1, an upper bound on the Rényi divergence of
 * order alpha between the mechanism's outputs on neighbouring inputs (Mironov 2017).
 */
@FunctionalInterface
public interface RdpCurve {

  /** The RDP epsilon at order {@code alpha} (> 1); may be +infinity. */
  double epsilon(double alpha);

  /** This curve composed {@code times} times with itself (RDP adds up). */
  default RdpCurve times(long times) {
    if (times < 0) {
      throw new IllegalArgumentException("composition count must be >= 0, got " + times);
    }
    return alpha -> times == 0 ? 0 : times * epsilon(alpha);
  }
}
