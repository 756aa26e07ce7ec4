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
