package dev.starling.privacy.rqm;

import dev.starling.privacy.math.LogMath;
import dev.starling.privacy.rdp.RdpCurve;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact privacy analysis of one RQM coordinate (privacy.md section 1.1-1.2). The output pmf has a
 * closed form (nearest kept levels below and above the input are independent truncated
 * geometrics), computed in log space. Because the pmf is affine in x between levels and the Rényi
 * sum is jointly convex, the supremum over input pairs is attained on the finite set
 * V = {-c, c} and every level strictly inside (-c, c); all ordered pairs of V are checked (the
 * extreme pair alone under-reports by up to 3.6%).
 */
public final class RqmAnalysis {

  /**
   * The most levels analysed: the analysis computes an m-point pmf for each of up to m candidate
   * inputs in O(m^2) each, so its cost grows as m^3 (256 levels: a few seconds; 1,024: minutes).
   */
  public static final int MAX_LEVELS = 256;

  private final RqmParams p;
  private final double[] candidates;
  private final double[][] logPmf; // per candidate input

  public RqmAnalysis(RqmParams params) {
    if (params.levels() > MAX_LEVELS) {
      throw new IllegalArgumentException("RQM with " + params.levels() + " levels: the exact analysis is limited to "
          + MAX_LEVELS + " levels (its cost grows as levels^3)");
    }
    this.p = params;
    List<Double> v = new ArrayList<>();
    v.add(-params.clip());
    for (int i = 0; i < params.levels(); i++) {
      double b = params.level(i);
      if (b > -params.clip() && b < params.clip()) {
        v.add(b);
      }
    }
    v.add(params.clip());
    candidates = v.stream().mapToDouble(Double::doubleValue).toArray();
    logPmf = new double[candidates.length][];
    for (int i = 0; i < candidates.length; i++) {
      logPmf[i] = logPmf(params, candidates[i]);
    }
  }

  public RqmParams params() {
    return p;
  }

  /** The candidate inputs V. */
  public double[] candidates() {
    return candidates.clone();
  }

  /** The output pmf for input x (clipped to [-c, c]). */
  public static double[] pmf(RqmParams p, double x) {
    double[] lp = logPmf(p, x);
    double[] out = new double[lp.length];
    for (int k = 0; k < lp.length; k++) {
      out[k] = StrictMath.exp(lp[k]);
    }
    return out;
  }

  /** log P_x(k) for k = 0..m-1. */
  public static double[] logPmf(RqmParams p, double xIn) {
    int m = p.levels();
    double x = Math.max(-p.clip(), Math.min(p.clip(), xIn));
    double outer = p.outer();
    int j = (int) Math.floor((x + outer) * (m - 1) / (2 * outer));
    j = Math.max(0, Math.min(m - 2, j));
    if (p.level(j + 1) <= x) {
      j = Math.min(m - 2, j + 1);
    }
    double q = m > 2 ? p.keepProb() : 0.5;
    double lq = StrictMath.log(q);
    double l1q = StrictMath.log1p(-q);
    // Nearest kept level below: L in [0, j]; above: U in [j+1, m-1].
    double[] logL = new double[j + 1];
    for (int a = 0; a <= j; a++) {
      logL[a] = a == 0 ? j * l1q : lq + (j - a) * l1q;
    }
    double[] logU = new double[m];
    for (int b = j + 1; b < m; b++) {
      logU[b] = b == m - 1 ? (m - 2 - j) * l1q : lq + (b - j - 1) * l1q;
    }
    if (m == 2) {
      logL[0] = 0;
      logU[1] = 0;
    }
    double[] out = new double[m];
    for (int k = 0; k < m; k++) {
      double acc = Double.NEGATIVE_INFINITY;
      if (k <= j) {
        for (int b = j + 1; b < m; b++) {
          acc = LogMath.logAdd(acc, logU[b] + StrictMath.log(p.level(b) - x) - StrictMath.log(p.level(b) - p.level(k)));
        }
        out[k] = logL[k] + acc;
      } else {
        for (int a = 0; a <= j; a++) {
          double gap = x - p.level(a);
          if (gap > 0) {
            acc = LogMath.logAdd(acc, logL[a] + StrictMath.log(gap) - StrictMath.log(p.level(k) - p.level(a)));
          }
        }
        out[k] = logU[k] + acc;
      }
    }
    return out;
  }

  /** D_alpha(P || Q) from log pmfs. */
  static double renyi(double[] logP, double[] logQ, double alpha) {
    double acc = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < logP.length; k++) {
      if (logP[k] == Double.NEGATIVE_INFINITY) {
        continue;
      }
      if (logQ[k] == Double.NEGATIVE_INFINITY) {
        return Double.POSITIVE_INFINITY;
      }
      acc = LogMath.logAdd(acc, alpha * logP[k] + (1 - alpha) * logQ[k]);
    }
    return Math.max(0, acc / (alpha - 1));
  }

  private final java.util.concurrent.ConcurrentHashMap<Double, Double> cache = new java.util.concurrent.ConcurrentHashMap<>();

  /** The worst-case per-coordinate RDP at order alpha over all input pairs (memoised per order). */
  public double renyi(double alpha) {
    return cache.computeIfAbsent(alpha, a -> worstPair(a)[2]);
  }

  /** {index of x, index of x', divergence} of the worst ordered pair at order alpha. */
  public double[] worstPair(double alpha) {
    double best = -1;
    int bi = 0;
    int bj = 0;
    for (int i = 0; i < candidates.length; i++) {
      for (int j = 0; j < candidates.length; j++) {
        if (i == j) {
          continue;
        }
        double d = renyi(logPmf[i], logPmf[j], alpha);
        if (d > best) {
          best = d;
          bi = i;
          bj = j;
        }
      }
    }
    return new double[] {bi, bj, best};
  }

  /** The per-coordinate divergence of one ordered candidate pair at order alpha. */
  public double renyi(int i, int j, double alpha) {
    return renyi(logPmf[i], logPmf[j], alpha);
  }

  /** Pure-DP epsilon of one coordinate: max over pairs and outputs of log P_x(k)/P_x'(k). */
  public double pureEpsilon() {
    double best = 0;
    for (double[] a : logPmf) {
      for (double[] b : logPmf) {
        for (int k = 0; k < a.length; k++) {
          if (a[k] > Double.NEGATIVE_INFINITY) {
            best = Math.max(best, b[k] == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : a[k] - b[k]);
          }
        }
      }
    }
    return best;
  }

  /**
   * The privacy profile of one coordinate: delta(eps) = max over ordered pairs of candidate inputs
   * of sum_k max(0, P_x(k) - e^eps P_x'(k)), the envelope of every pair's hockey-stick curve
   * (the supremum over all inputs, by the same convexity that makes the candidates enough).
   */
  public double envelopeDelta(double eps) {
    double best = 0;
    double e = StrictMath.exp(eps);
    for (int i = 0; i < logPmf.length; i++) {
      for (int j = 0; j < logPmf.length; j++) {
        if (i == j) {
          continue;
        }
        double d = 0;
        for (int k = 0; k < logPmf[i].length; k++) {
          double pk = StrictMath.exp(logPmf[i][k]);
          double qk = StrictMath.exp(logPmf[j][k]);
          d += Math.max(0, pk - e * qk);
        }
        best = Math.max(best, d);
      }
    }
    return best;
  }

  /** The pmfs of candidate inputs i and j (for a PLD of that pair). */
  public double[][] pmfPair(int i, int j) {
    double[] a = new double[logPmf[i].length];
    double[] b = new double[a.length];
    for (int k = 0; k < a.length; k++) {
      a[k] = StrictMath.exp(logPmf[i][k]);
      b[k] = StrictMath.exp(logPmf[j][k]);
    }
    return new double[][] {a, b};
  }

  /** The RDP curve of one message of {@code coordinates} RQM coordinates (composition). */
  public RdpCurve curve(long coordinates) {
    return alpha -> coordinates * renyi(alpha);
  }
}
