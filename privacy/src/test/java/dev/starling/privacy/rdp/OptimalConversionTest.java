package dev.starling.privacy.rdp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class OptimalConversionTest {

  /** Exact epsilon of mu-GDP at delta, by bisection on the GDP delta(eps). */
  private static double gdpEpsilon(double mu, double delta) {
    NormalDistribution n = new NormalDistribution();
    double lo = 0;
    double hi = 100;
    for (int i = 0; i < 200; i++) {
      double e = 0.5 * (lo + hi);
      double d = n.cumulativeProbability(-e / mu + mu / 2) - Math.exp(e) * n.cumulativeProbability(-e / mu - mu / 2);
      if (d > delta) {
        lo = e;
      } else {
        hi = e;
      }
    }
    return hi;
  }

  @Test
  void betweenTheExactValueAndTheCksBound() {
    for (double[] c : new double[][] {{1.0, 1}, {2.0, 1000}, {0.7, 3}, {4.0, 10}}) {
      double sigma = c[0];
      long t = (long) c[1];
      double exact = gdpEpsilon(Math.sqrt(t) / sigma, 1e-5);
      RdpAccountant acc = new RdpAccountant().compose(new GaussianRdp(sigma), t);
      double got = acc.epsilon(1e-5).epsilon();
      double order = acc.epsilon(1e-5).order();
      double rho = acc.rdpAt(order);
      double cks = rho + Math.log1p(-1 / order) - (Math.log(1e-5) + Math.log(order)) / (order - 1);
      assertTrue(got >= exact, "never below exact: " + got + " < " + exact);
      assertTrue(got <= cks + 1e-9, "never looser than CKS: " + got + " > " + cks);
    }
  }

  @Test
  void strictlyTighterThanTheReferenceAccountantsAtTheIssueExample() {
    double eps = new RdpAccountant().compose(new SubsampledGaussianRdp(0.01, 1.0), 1000).epsilon(1e-5).epsilon();
    assertTrue(eps <= 2.101 && eps > 1.828, "epsilon " + eps);
  }
}
