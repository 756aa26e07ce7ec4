package dev.starling.privacy.rqm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.privacy.Accounting;
import dev.starling.privacy.pld.PrivacyLossDistribution;
import org.junit.jupiter.api.Test;

/**
 * The RQM PLD is a dominating pair: its curve is above every input pair's exact hockey-stick
 * curve, and composed twice it is above the exact curve of two rounds that use different input
 * pairs (the case composing one chosen pair, as before, did not cover), computed by enumerating
 * the product of the outputs. Both accountants stay above these exact instances.
 */
class RqmEnvelopeTest {

  private static double hockey(double[] p, double[] q, double eps) {
    double e = Math.exp(eps);
    double d = 0;
    for (int k = 0; k < p.length; k++) {
      d += Math.max(0, p[k] - e * q[k]);
    }
    return d;
  }

  private static double[] product(double[] a, double[] b) {
    double[] out = new double[a.length * b.length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        out[i * b.length + j] = a[i] * b[j];
      }
    }
    return out;
  }

  @Test
  void theEnvelopeDominatesEveryPairAndEveryMixOfPairs() {
    RqmParams p = RqmParams.ofRatio(16, 0.25, 1.0);
    RqmAnalysis an = new RqmAnalysis(p);
    double h = 1e-3;
    PrivacyLossDistribution one = PrivacyLossDistribution.fromPrivacyCurve(an::envelopeDelta, an.pureEpsilon(), 0, h);
    PrivacyLossDistribution two = one.selfCompose(2);
    int b = an.candidates().length;
    assertTrue(b >= 4, "several candidate inputs: " + b);
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        if (i == j) {
          continue;
        }
        double[][] pq = an.pmfPair(i, j);
        for (double eps = 0; eps <= an.pureEpsilon(); eps += 0.01) {
          assertTrue(one.delta(eps) >= hockey(pq[0], pq[1], eps) - 1e-12, "pair " + i + "," + j + " at " + eps);
        }
        for (int k = 0; k < b; k++) {
          for (int l = 0; l < b; l++) {
            if (k == l) {
              continue;
            }
            double[][] rs = an.pmfPair(k, l);
            double[] pp = product(pq[0], rs[0]);
            double[] qq = product(pq[1], rs[1]);
            for (double eps = 0; eps <= 2 * an.pureEpsilon(); eps += 0.05) {
              assertTrue(two.delta(eps) >= hockey(pp, qq, eps) - 1e-12,
                  "rounds with pairs " + i + "," + j + " then " + k + "," + l + " at " + eps);
            }
          }
        }
      }
    }
  }

  @Test
  void bothAccountantsStayAboveAnExactInstance() {
    RqmParams p = RqmParams.ofRatio(8, 0.5, 2.0);
    RqmAnalysis an = new RqmAnalysis(p);
    double[][] pq = an.pmfPair(0, an.candidates().length - 1);
    double[] pp = product(pq[0], pq[0]);
    double[] qq = product(pq[1], pq[1]);
    double delta = 1e-5;
    double lo = 0;
    double hi = 10;
    for (int it = 0; it < 60; it++) { // the instance's exact epsilon at delta, by bisection
      double mid = 0.5 * (lo + hi);
      if (hockey(pp, qq, mid) > delta) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double exact = hi;
    double rdp = Accounting.rqm(p, 1, 2, 1, delta, Accounting.Kind.RDP, 1e-4).epsilon();
    double pld = Accounting.rqm(p, 1, 2, 1, delta, Accounting.Kind.PLD, 1e-4).epsilon();
    assertTrue(rdp >= exact && pld >= exact, "exact " + exact + ", rdp " + rdp + ", pld " + pld);
    assertTrue(pld <= exact + 0.01, "and the PLD is tight: " + pld + " vs " + exact);
  }
}
