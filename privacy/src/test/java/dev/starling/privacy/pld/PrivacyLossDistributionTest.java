package dev.starling.privacy.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class PrivacyLossDistributionTest {

  /** Exact delta(epsilon) of mu-GDP (Dong, Roth, Su 2019). */
  private static double gdpDelta(double mu, double eps) {
    NormalDistribution n = new NormalDistribution();
    return n.cumulativeProbability(-eps / mu + mu / 2) - Math.exp(eps) * n.cumulativeProbability(-eps / mu - mu / 2);
  }

  private static double pldEpsilon(double q, double sigma, long steps, double delta) {
    PrivacyLossDistribution[] p = PrivacyLossDistribution.poissonSubsampledGaussian(q, sigma, 1e-4, 1e-15);
    double a = p[0].selfCompose(steps).epsilon(delta);
    double b = p[1].selfCompose(steps).epsilon(delta);
    return Math.max(a, b);
  }

  @Test
  void gaussianComposesToTheExactGdpAndNeverBelow() {
    // q = 1: T steps of sigma are mu-GDP with mu = sqrt(T)/sigma.
    double[][] cases = {{1.0, 1}, {2.0, 1000}, {1.0, 10}};
    for (double[] c : cases) {
      double sigma = c[0];
      long t = (long) c[1];
      double mu = Math.sqrt(t) / sigma;
      PrivacyLossDistribution pld = PrivacyLossDistribution.gaussian(sigma, 1e-4, 1e-15).selfCompose(t);
      for (double eps : new double[] {0.5, 1, 3}) {
        double exact = gdpDelta(mu, eps);
        double got = pld.delta(eps);
        assertTrue(got >= exact * (1 - 1e-9), "never below exact: " + got + " < " + exact);
        assertTrue(got <= exact * 1.01 + 1e-12, "tight: " + got + " vs " + exact + " at mu " + mu);
      }
    }
  }

  /** The exact epsilon of mu-GDP at delta, by bisection on delta(eps) computed in log space (no overflow at any eps). */
  private static double gdpEpsilon(double mu, double delta) {
    double lo = 0;
    double hi = 1;
    while (gdpLogDelta(mu, hi) > Math.log(delta)) {
      hi *= 2;
    }
    for (int i = 0; i < 200; i++) {
      double mid = 0.5 * (lo + hi);
      if (gdpLogDelta(mu, mid) > Math.log(delta)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  /** log delta(eps) of mu-GDP: log(Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2)). */
  private static double gdpLogDelta(double mu, double eps) {
    double a = dev.starling.privacy.math.LogMath.logNormalSf(eps / mu - mu / 2);
    double b = eps + dev.starling.privacy.math.LogMath.logNormalSf(eps / mu + mu / 2);
    return a + Math.log1p(-Math.exp(b - a));
  }

  /**
   * The epsilon search has no ceiling: one Gaussian step of small noise, whose exact epsilon
   * (mu-GDP with mu = 1/sigma) is computed another way, from 5 to about 10^4. The search used to
   * stop at ln(Double.MAX_VALUE) = 709.78, an unsound epsilon for every case above it.
   */
  @Test
  void epsilonIsNeverBelowTheExactOneUpToTenThousand() {
    for (double sigma : new double[] {0.5, 0.05, 0.025, 0.02, 0.01, 0.0071}) {
      double mu = 1 / sigma;
      double exact = gdpEpsilon(mu, 1e-5);
      double got = PrivacyLossDistribution.gaussian(sigma, 1e-2, 1e-15).epsilon(1e-5);
      assertTrue(got >= exact - 1e-9 * exact, "sigma " + sigma + ": " + got + " below the exact " + exact);
      assertTrue(got <= exact + 0.02, "sigma " + sigma + ": " + got + " against the exact " + exact);
    }
    assertTrue(gdpEpsilon(1 / 0.0071, 1e-5) > 1e4, "the grid reaches 10^4");
    assertTrue(gdpEpsilon(1 / 0.025, 1e-5) > 709.78, "and cases above the old ceiling");
  }

  @Test
  void referenceRowsWithinOnePercent() {
    assertEquals(1.828, pldEpsilon(0.01, 1.0, 1000, 1e-5), 0.01 * 1.828);
    assertEquals(3.141, pldEpsilon(0.01, 0.8, 1000, 1e-5), 0.01 * 3.141);
    assertEquals(7.047, pldEpsilon(0.1, 1.0, 100, 1e-5), 0.01 * 7.047);
    assertEquals(4.377, pldEpsilon(1.0, 1.0, 1, 1e-5), 0.01 * 4.377);
  }

  @Test
  void discretePairsAndInfiniteLoss() {
    // Randomized response with p = 0.75: loss ln 3 with prob 0.75, -ln 3 with 0.25.
    PrivacyLossDistribution rr = PrivacyLossDistribution.fromPmfs(new double[] {0.75, 0.25}, new double[] {0.25, 0.75}, 1e-4);
    assertEquals(0, rr.delta(Math.log(3) + 1e-3), 0);
    assertEquals(0.75 * (1 - Math.exp(0.5 - Math.log(3))), rr.delta(0.5), 1e-4);
    assertEquals(Math.log(3), rr.epsilon(1e-12), 2e-4);
    PrivacyLossDistribution withInf = PrivacyLossDistribution.fromPmfs(new double[] {0.5, 0.5}, new double[] {1, 0}, 1e-4);
    assertEquals(0.5, withInf.infinityMass(), 0);
    assertEquals(Double.POSITIVE_INFINITY, withInf.epsilon(0.1));
    // Composition: two RR steps, delta at eps between 0 and 2 ln 3 by enumeration.
    PrivacyLossDistribution two = rr.compose(rr);
    double eps = 1.0;
    double expected = 0.5625 * (1 - Math.exp(eps - 2 * Math.log(3)));
    assertEquals(expected, two.delta(eps), 1e-3);
    assertEquals(two.delta(eps), rr.selfCompose(2).delta(eps), 1e-9);
  }
}
