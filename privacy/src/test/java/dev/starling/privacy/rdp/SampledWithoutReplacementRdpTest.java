package dev.starling.privacy.rdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SampledWithoutReplacementRdpTest {

  @Test
  void amplifiesAndNeverExceedsTheUnsampledCurve() {
    RdpCurve base = new GaussianRdp(2.0);
    for (double g : new double[] {0.001, 0.01, 0.1, 0.5}) {
      RdpCurve s = new SampledWithoutReplacementRdp(base, g, Double.POSITIVE_INFINITY);
      for (double a : new double[] {1.5, 2, 3, 8, 32}) {
        assertTrue(s.epsilon(a) <= base.epsilon(a) + 1e-12);
      }
    }
    RdpCurve small = new SampledWithoutReplacementRdp(base, 0.01, Double.POSITIVE_INFINITY);
    assertTrue(small.epsilon(2) < base.epsilon(2) / 100, "strong amplification at small ratios");
  }

  @Test
  void orderTwoMatchesTheTheoremByHand() {
    // alpha = 2: log(1 + g^2 * min(4 (e^{e2} - 1), e^{e2} * 2)) with eps_inf infinite
    double e2 = new GaussianRdp(1.0).epsilon(2); // 1
    double g = 0.1;
    double expected = Math.log1p(g * g * Math.min(4 * Math.expm1(e2), Math.exp(e2) * 2));
    assertEquals(expected, new SampledWithoutReplacementRdp(new GaussianRdp(1.0), g, Double.POSITIVE_INFINITY).epsilon(2), 1e-12);
  }
}
