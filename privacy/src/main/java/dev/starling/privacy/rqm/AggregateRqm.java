package dev.starling.privacy.rqm;

import dev.starling.privacy.rdp.RdpCurve;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Rényi DP of what a server behind secure aggregation sees of one RQM coordinate: the sum of
 * the round's n clients' level indices, one client's input replaced, every other input in
 * [-c, c] and unknown (the worst case over them).
 *
 * <p>Why it is exact over a finite set: each client's output pmf is affine in its input between
 * consecutive breakpoints (the levels inside (-c, c) and the ends +-c), so every input is a
 * mixture of breakpoint inputs; the pair of output laws is then a joint mixture over breakpoint
 * choices with common weights, and e^{(alpha-1) D_alpha} is jointly convex, so the supremum is
 * attained with every input at a breakpoint. The sum does not depend on the order of the others,
 * so they range over multisets of breakpoints. The changed client's two inputs range over ordered
 * pairs of breakpoints.
 *
 * <p>Fewer others only make the sum less private (adding an independent client's output is
 * post-processing), so when n - 1 others are too many to enumerate within the budget, the curve
 * is computed for the largest number of others that fits and is an upper bound for n. Orders
 * above {@link #EXACT_ORDERS} use the pure-DP bound of the same sum (RDP never exceeds it) or
 * the local curve, whichever is smaller.
 */
public final class AggregateRqm implements RdpCurve {

  /** Orders up to this one are computed exactly; above, bounded (see the class comment). */
  public static final double EXACT_ORDERS = 64;

  /** Default work per order: (multisets x ordered pairs x support) terms. */
  public static final long DEFAULT_BUDGET = 1_000_000;

  private final RqmAnalysis local;
  private final int clients;
  private final int others;
  private final List<double[][]> logSums = new ArrayList<>(); // per multiset: log pmf of (candidate a) + others
  private final double pure;
  private final ConcurrentHashMap<Double, Double> cache = new ConcurrentHashMap<>();

  /** The sum over {@code clients} clients (>= 1), analysed within {@code budget} terms per order. */
  public AggregateRqm(RqmParams params, int clients, long budget) {
    if (clients < 1) {
      throw new IllegalArgumentException("the sum needs at least 1 client, got " + clients);
    }
    this.local = new RqmAnalysis(params);
    this.clients = clients;
    double[] cand = local.candidates();
    int b = cand.length;
    double[][] pmf = new double[b][];
    double floor = 1;
    for (int i = 0; i < b; i++) {
      pmf[i] = RqmAnalysis.pmf(params, cand[i]);
      for (double v : pmf[i]) {
        if (v > 0) {
          floor = Math.min(floor, v);
        }
      }
    }
    int m = params.levels();
    int k = 0;
    while (k < clients - 1 && cost(k + 1, b, m) <= budget && Math.pow(floor, k + 2) > 1e-280) {
      k++;
    }
    this.others = k;
    enumerate(pmf, 0, k, new double[] {1.0});
    double best = 0;
    for (double[][] ls : logSums) {
      for (double[] pa : ls) {
        for (double[] pb : ls) {
          for (int s = 0; s < pa.length; s++) {
            if (pa[s] > Double.NEGATIVE_INFINITY) {
              best = Math.max(best, pb[s] == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : pa[s] - pb[s]);
            }
          }
        }
      }
    }
    this.pure = best;
  }

  public AggregateRqm(RqmParams params, int clients) {
    this(params, clients, DEFAULT_BUDGET);
  }

  /** Terms per order for k others: multisets x ordered pairs x support. */
  private static double cost(int k, int b, int m) {
    double multisets = 1;
    for (int i = 1; i < b; i++) { // C(k + b - 1, b - 1)
      multisets = multisets * (k + i) / i;
    }
    return multisets * b * (b - 1) * ((double) (k + 1) * (m - 1) + 1);
  }

  /** Depth-first over multisets: candidate j gets 0..left of the others, R accumulating their sum's pmf. */
  private void enumerate(double[][] pmf, int j, int left, double[] r) {
    if (j == pmf.length - 1) {
      double[] full = r;
      for (int t = 0; t < left; t++) {
        full = convolve(full, pmf[j]);
      }
      double[][] ls = new double[pmf.length][];
      for (int a = 0; a < pmf.length; a++) {
        double[] p = convolve(full, pmf[a]);
        ls[a] = new double[p.length];
        for (int s = 0; s < p.length; s++) {
          ls[a][s] = p[s] > 0 ? StrictMath.log(p[s]) : Double.NEGATIVE_INFINITY;
        }
      }
      logSums.add(ls);
      return;
    }
    double[] acc = r;
    for (int t = 0; t <= left; t++) {
      enumerate(pmf, j + 1, left - t, acc);
      acc = convolve(acc, pmf[j]);
    }
  }

  private static double[] convolve(double[] a, double[] b) {
    double[] out = new double[a.length + b.length - 1];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        out[i + j] += a[i] * b[j];
      }
    }
    return out;
  }

  /** The clients the sum holds. */
  public int clients() {
    return clients;
  }

  /** The other clients the analysis enumerated (n - 1, or fewer when that did not fit the budget). */
  public int othersAnalysed() {
    return others;
  }

  /** Pure-DP epsilon of the sum (max log-ratio over breakpoint configurations). */
  public double pureEpsilon() {
    return pure;
  }

  @Override
  public double epsilon(double alpha) {
    if (alpha > EXACT_ORDERS) {
      return Math.min(pure, local.renyi(alpha));
    }
    return cache.computeIfAbsent(alpha, this::exact);
  }

  private double exact(double alpha) {
    double best = 0;
    for (double[][] ls : logSums) {
      for (int a = 0; a < ls.length; a++) {
        for (int c = 0; c < ls.length; c++) {
          if (a != c) {
            best = Math.max(best, logMoment(ls[a], ls[c], alpha));
          }
        }
      }
    }
    return Math.max(0, best / (alpha - 1));
  }

  /** log sum_s P(s)^alpha Q(s)^(1 - alpha), +infinity where Q misses P's support. */
  private static double logMoment(double[] lp, double[] lq, double alpha) {
    double max = Double.NEGATIVE_INFINITY;
    for (int s = 0; s < lp.length; s++) {
      if (lp[s] == Double.NEGATIVE_INFINITY) {
        continue;
      }
      if (lq[s] == Double.NEGATIVE_INFINITY) {
        return Double.POSITIVE_INFINITY;
      }
      max = Math.max(max, alpha * lp[s] + (1 - alpha) * lq[s]);
    }
    double sum = 0;
    for (int s = 0; s < lp.length; s++) {
      if (lp[s] > Double.NEGATIVE_INFINITY) {
        sum += StrictMath.exp(alpha * lp[s] + (1 - alpha) * lq[s] - max);
      }
    }
    return max + StrictMath.log(sum);
  }

  /** The RDP of one message of {@code coordinates} coordinates, each summed this way. */
  public RdpCurve curve(long coordinates) {
    return alpha -> coordinates * epsilon(alpha);
  }
}
