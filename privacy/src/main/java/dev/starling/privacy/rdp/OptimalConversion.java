package dev.starling.privacy.rdp;

import dev.starling.privacy.math.LogMath;

/**
 * The optimal conversion of one Rényi-DP value to (epsilon, delta) (Asoodeh, Liao, Calmon, Kosut
 * and Sankar 2021): by data processing, the largest hockey-stick divergence
 * {@code E_eps(P||Q) = sup_S P(S) - e^eps Q(S)} among all pairs with {@code D_alpha(P||Q) <= rho} is
 * attained by a pair of two-point distributions (p, 1-p), (q, 1-q), so
 * {@code delta(eps) = max { p - e^eps q : p^a q^(1-a) + (1-p)^a (1-q)^(1-a) <= e^((a-1) rho) }}.
 * The feasible set is convex, so along its upper boundary {@code p(q)} is concave and the
 * objective is concave in q: a grid over log q refined by golden section finds the maximum. It is
 * never looser than the Canonne-Kamath-Steinke bound, which relaxes the same problem.
 */
public final class OptimalConversion {
  private OptimalConversion() {}

  /** delta(eps) at order alpha for an RDP value rho, rounded up slightly (a guaranteed bound). */
  public static double delta(double alpha, double rho, double epsilon) {
    return delta(alpha, rho, epsilon, null);
  }

  /**
   * As above; {@code hint[0]}, when not NaN, is a log q near the maximiser (from a nearby epsilon)
   * and receives the new maximiser. A hinted search is used only if its maximum is interior to
   * the bracket, which by unimodality means it is the global one.
   */
  static double delta(double alpha, double rho, double epsilon, double[] hint) {
    if (rho <= 0) {
      return 0;
    }
    double logC = (alpha - 1) * rho;
    if (hint != null && !Double.isNaN(hint[0])) {
      double a = hint[0] - 4;
      double b = Math.min(0, hint[0] + 4);
      double[] r = golden(alpha, logC, epsilon, a, b);
      double fa = objective(alpha, logC, epsilon, a);
      double fb = objective(alpha, logC, epsilon, b);
      if (r[1] > 0 && r[1] >= fa && (r[1] >= fb || b == 0) && r[0] > a + 1e-6 && (r[0] < b - 1e-6 || b == 0)) {
        hint[0] = r[0];
        return Math.min(1, r[1] * (1 + 1e-9) + 1e-300);
      }
    }
    double best = 0;
    double bestT = Double.NaN;
    // t = log q over [-(eps + 800), 0]: the maximising q is about delta e^-eps, so the range must
    // grow with eps (q itself may underflow; only e^(eps + t) and log1p(-e^t) are used).
    int n = 128;
    double lo = -(epsilon + 800);
    double[] ts = new double[n + 1];
    double[] vs = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      ts[i] = lo * (1 - (double) i / n);
      vs[i] = objective(alpha, logC, epsilon, ts[i]);
      if (vs[i] > best) {
        best = vs[i];
        bestT = ts[i];
      }
    }
    if (Double.isNaN(bestT)) {
      return 0;
    }
    int k = (int) Math.round((bestT - lo) / (-lo) * n);
    double[] r = golden(alpha, logC, epsilon, ts[Math.max(0, k - 1)], ts[Math.min(n, k + 1)]);
    best = Math.max(best, r[1]);
    if (hint != null) {
      hint[0] = r[1] >= vs[k] ? r[0] : bestT;
    }
    return Math.min(1, best * (1 + 1e-9) + 1e-300);
  }

  /** Golden-section maximisation of the objective over log q in [a, b]: {argmax, max}. */
  private static double[] golden(double alpha, double logC, double epsilon, double a, double b) {
    double g = (Math.sqrt(5) - 1) / 2;
    double x1 = b - g * (b - a);
    double x2 = a + g * (b - a);
    double f1 = objective(alpha, logC, epsilon, x1);
    double f2 = objective(alpha, logC, epsilon, x2);
    for (int it = 0; it < 80 && b - a > 1e-9; it++) {
      if (f1 > f2) {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = b - g * (b - a);
        f1 = objective(alpha, logC, epsilon, x1);
      } else {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + g * (b - a);
        f2 = objective(alpha, logC, epsilon, x2);
      }
    }
    return f1 > f2 ? new double[] {x1, f1} : new double[] {x2, f2};
  }

  /** p(q) - e^eps q with p(q) the largest feasible p for q = e^t. */
  private static double objective(double alpha, double logC, double epsilon, double t) {
    double q = StrictMath.exp(t);
    if (q == 0 && t > -Double.MAX_VALUE) {
      q = Double.MIN_VALUE;
    }
    // g(1, q) = q^(1-a): p = 1 is feasible when (1-a) t <= logC.
    double p;
    if ((1 - alpha) * t <= logC) {
      p = 1;
    } else {
      double pl = q; // feasible (g = 1)
      double ph = 1; // infeasible
      for (int i = 0; i < 200 && ph - pl > 1e-12 * ph; i++) {
        double mid = 0.5 * (pl + ph);
        if (logG(alpha, mid, t) <= logC) {
          pl = mid;
        } else {
          ph = mid;
        }
      }
      p = ph; // the infeasible end: rounds the maximum up, never down
    }
    return Math.max(0, p - StrictMath.exp(epsilon + t));
  }

  private static double logG(double alpha, double p, double logQ) {
    double a = alpha * StrictMath.log(p) + (1 - alpha) * logQ;
    double b = alpha * StrictMath.log1p(-p) + (1 - alpha) * StrictMath.log1p(-StrictMath.exp(logQ));
    return LogMath.logAdd(a, p >= 1 ? Double.NEGATIVE_INFINITY : b);
  }

  /** The smallest epsilon with delta(eps) <= delta at this order, by bisection below {@code upper}. */
  public static double epsilon(double alpha, double rho, double delta, double upper) {
    double[] hint = {Double.NaN};
    // The optimum lies a little below the CKS bound: bracket [0.9 upper, upper], widen if needed.
    double lo = 0.9 * upper;
    while (lo > 1e-9 && delta(alpha, rho, lo, hint) <= delta) {
      lo *= 0.5;
    }
    if (lo <= 1e-9) {
      return delta(alpha, rho, 0, hint) <= delta ? 0 : 1e-9;
    }
    double hi = upper;
    for (int i = 0; i < 40 && hi - lo > 1e-6 * Math.max(1, hi); i++) {
      double mid = 0.5 * (lo + hi);
      if (delta(alpha, rho, mid, hint) <= delta) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }
}
