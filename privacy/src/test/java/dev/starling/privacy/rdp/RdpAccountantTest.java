package dev.starling.privacy.rdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Against privacy.md section 3 (dp_accounting and Opacus values, delta = 1e-5). */
class RdpAccountantTest {

  private static RdpAccountant.Result eps(double q, double sigma, long steps) {
    return new RdpAccountant().compose(new SubsampledGaussianRdp(q, sigma), steps).epsilon(1e-5);
  }

  @Test
  void referenceRowsToThreeSignificantFigures() {
    assertEquals(2.101, eps(0.01, 1.0, 1000).epsilon(), 0.0015);
    assertEquals(3.695, eps(0.01, 0.8, 1000).epsilon(), 0.002);
    assertEquals(7.899, eps(0.1, 1.0, 100).epsilon(), 0.005);
    assertEquals(4.729, eps(1.0, 1.0, 1).epsilon(), 0.0015);
    assertEquals(198.5, eps(1.0, 2.0, 1000).epsilon(), 0.1);
  }

  @Test
  void neverLooserThanTheReferenceAccountants() {
    // The references are printed to 4 significant figures; allow their rounding (half a unit).
    assertTrue(eps(0.01, 1.0, 1000).epsilon() <= 2.1015);
    assertTrue(eps(0.01, 0.8, 1000).epsilon() <= 3.6955);
    assertTrue(eps(0.1, 1.0, 100).epsilon() <= 7.8995);
    // dp_accounting's absolute-value series gives 2231 here; Opacus 807; PLD 783.
    double e = eps(0.1, 0.5, 10_000).epsilon();
    assertTrue(e <= 807.5 && e >= 783, "epsilon " + e);
    // Opacus stops at order 63 and reports 0.103; dp_accounting 0.0195 at order 256.
    double small = eps(0.001, 5, 1).epsilon();
    assertTrue(small <= 0.0196, "epsilon " + small);
  }

  @Test
  void fractionalOrdersMatchTheSignedSeries() {
    // privacy.md: per step at alpha = 1.5, q = 0.1, sigma = 2: 0.0020989 (Opacus, quadrature).
    assertEquals(0.0020989, new SubsampledGaussianRdp(0.1, 2).epsilon(1.5), 2e-7);
  }

  @Test
  void deltaAndEpsilonConversionsAreInverse() {
    RdpAccountant acc = new RdpAccountant().compose(new SubsampledGaussianRdp(0.01, 1), 1000);
    RdpAccountant.Result r = acc.epsilon(1e-5);
    assertTrue(acc.delta(r.epsilon()).delta() <= 1e-5 * 1.0001);
    assertTrue(acc.delta(r.epsilon() * 0.99).delta() > 1e-5);
    assertTrue(r.order() > 1);
  }

  @Test
  void fullBatchGaussianIsExactAlphaOverTwoSigmaSquared() {
    assertEquals(3 / (2 * 0.25), new SubsampledGaussianRdp(1.0, 0.5).epsilon(3), 1e-12);
    assertEquals(3 / (2 * 0.25), new GaussianRdp(0.5).epsilon(3), 1e-12);
    // integer order by the binomial sum equals the closed form at q = 1 limit neighbourhood
    double near = new SubsampledGaussianRdp(0.999999, 1).epsilon(4);
    assertEquals(2.0, near, 1e-4);
  }

  @Test
  void heterogeneousEventsComposeLikeTheirExactEquivalent() {
    // 30 steps at sigma 2 then 10 at sigma 1: 1/s^2 = 30/4 + 10 = 17.5, i.e. one step at 1/sqrt(17.5).
    RdpAccountant mixed = new RdpAccountant().compose(new GaussianRdp(2.0), 30).compose(new GaussianRdp(1.0), 10);
    RdpAccountant single = new RdpAccountant().compose(new GaussianRdp(1 / Math.sqrt(17.5)), 1);
    assertEquals(single.epsilon(1e-5).epsilon(), mixed.epsilon(1e-5).epsilon(), 1e-9);
    // and mixing sampled and unsampled events adds their curves order by order
    RdpAccountant both = new RdpAccountant().compose(new SubsampledGaussianRdp(0.01, 1.0), 500)
        .compose(new GaussianRdp(3.0), 2);
    double[] a = both.rdp();
    double[] orders = both.orders();
    for (int i = 0; i < orders.length; i += 17) {
      double expected = 500 * new SubsampledGaussianRdp(0.01, 1.0).epsilon(orders[i]) + 2 * orders[i] / 18.0;
      assertEquals(expected, a[i], 1e-9 * Math.max(1, expected));
    }
  }
}
