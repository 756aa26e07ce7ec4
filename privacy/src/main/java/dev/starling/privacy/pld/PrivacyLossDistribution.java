package dev.starling.privacy.pld;

import dev.starling.privacy.math.LogMath;
import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;

/**
 * A discretized privacy-loss distribution (Meiser and Mohammadi 2018; Koskela et al. 2020;
 * Doroshenko et al. 2022): the law of {@code L = log(P(o)/Q(o))} for {@code o ~ P}, on a grid of
 * spacing {@code h}. Discretization is pessimistic: every loss is rounded up to the next grid
 * point, and mass beyond the top of the grid counts as infinite loss, so {@link #delta(double)}
 * is an upper bound on the true hockey-stick divergence. Compositions are convolutions, computed
 * by FFT over an output range sized by a Chernoff bound; mass the bound leaves out (at most the
 * given tail) is also added to the infinite-loss mass.
 */
public final class PrivacyLossDistribution {

  /** Default spacing of the loss grid (dp_accounting's default). */
  public static final double DEFAULT_INTERVAL = 1e-4;

  /** Default mass allowed outside a computed range (added to delta, never dropped). */
  public static final double DEFAULT_TAIL = 1e-15;

  private final double h;
  private final long offset;
  private final double[] pmf;
  private final double infinityMass;

  private PrivacyLossDistribution(double h, long offset, double[] pmf, double infinityMass) {
    this.h = h;
    this.offset = offset;
    this.pmf = pmf;
    this.infinityMass = Math.min(1, Math.max(0, infinityMass));
  }

  public double interval() {
    return h;
  }

  public double infinityMass() {
    return infinityMass;
  }

  /** Number of grid points held. */
  public int size() {
    return pmf.length;
  }

  /** Loss value of grid entry {@code i}. */
  double loss(int i) {
    return (offset + i) * h;
  }

  /**
   * The law of the privacy loss L under both distributions: P(L <= l), P(L > l), Q(L <= l) and
   * Q(L > l). Both are needed by the connect-the-dots discretization, and the survival functions
   * keep the tails accurate.
   */
  public interface LossLaw {
    double cdfP(double l);

    double sfP(double l);

    double cdfQ(double l);

    double sfQ(double l);
  }

  /**
   * Connect-the-dots discretization (Doroshenko et al. 2022) of a loss law on [lo, hi]: the mass of
   * each cell (l_i, l_i+1] is split between its two ends so that both its P-mass and its Q-mass
   * are kept. The resulting privacy curve interpolates the true one at the grid points and lies
   * above it in between (it is pessimistic), and unlike rounding every loss up it does not drift
   * by up to h per composition. P-mass below the grid goes to its lowest point; P-mass above the
   * grid counts as infinite loss.
   */
  public static PrivacyLossDistribution fromLaw(LossLaw law, double lo, double hi, double infinityMass, double h,
      double tail) {
    checkInterval(h);
    double left = lo;
    double right = hi;
    if (law.cdfP(left) < tail / 2) {
      left = bisect(l -> law.cdfP(l) >= tail / 2, left, right);
    }
    if (!(law.sfP(right) <= tail / 2)) {
      throw new IllegalArgumentException("upper end of the loss range leaves too much mass");
    }
    right = bisect(l -> law.sfP(l) <= tail / 2, left, right);
    long kLo = (long) Math.floor(left / h);
    long kHi = (long) Math.ceil(right / h);
    int n = gridPoints(kLo, kHi, "a discretization of " + h);
    double[] p = new double[n];
    double medianP = bisect(l -> law.cdfP(l) >= 0.5, left, right);
    double medianQ = bisect(l -> law.cdfQ(l) >= 0.5, kLo * h - 1e6, kHi * h + 1e6);
    p[0] += law.cdfP(kLo * h);
    // The law at each grid point once (a cell's upper end is the next cell's lower end): the cdf
    // below the median, the survival function from the median's cell up, where each is accurate.
    double[] cP = new double[n];
    double[] sP = new double[n];
    double[] cQ = new double[n];
    double[] sQ = new double[n];
    for (int i = 0; i < n; i++) {
      double l = (kLo + i) * h;
      cP[i] = l <= medianP ? law.cdfP(l) : Double.NaN;
      sP[i] = l + h > medianP || l > medianP ? law.sfP(l) : Double.NaN;
      cQ[i] = l <= medianQ ? law.cdfQ(l) : Double.NaN;
      sQ[i] = l + h > medianQ || l > medianQ ? law.sfQ(l) : Double.NaN;
    }
    for (int i = 0; i + 1 < n; i++) {
      double l1 = (kLo + i) * h + h;
      double pc = l1 <= medianP ? cP[i + 1] - cP[i] : sP[i] - sP[i + 1];
      double qc = l1 <= medianQ ? cQ[i + 1] - cQ[i] : sQ[i] - sQ[i + 1];
      split(p, i, Math.max(0, pc), Math.max(0, qc), (kLo + i) * h, h);
    }
    return new PrivacyLossDistribution(h, kLo, p, infinityMass + law.sfP(kHi * h));
  }

  /**
   * A dominating pair for a mechanism known only by its privacy curve: connect-the-dots
   * (Doroshenko et al. 2022) from the curve's values at the grid points. {@code deltaAt} must be
   * the hockey-stick curve delta(eps) = sup over neighbours of E_P[(1 - e^(eps - L))_+] (for
   * several input pairs: the maximum of their curves, which is the mechanism's privacy profile
   * and convex in e^eps, so a dominating pair with it exists). The PLD returned has
   * delta(eps_i) equal to the curve at every grid point eps_i and the chord between them above
   * it, so composing it bounds the composition of the mechanism, whichever neighbours each step
   * picks. Every finite loss must lie in [-maxLoss, maxLoss]; {@code infinityMass} is the curve's
   * value above maxLoss.
   */
  public static PrivacyLossDistribution fromPrivacyCurve(java.util.function.DoubleUnaryOperator deltaAt, double maxLoss,
      double infinityMass, double h) {
    checkInterval(h);
    if (!(maxLoss >= 0) || Double.isInfinite(maxLoss)) {
      throw new IllegalArgumentException("the largest finite loss must be finite and >= 0, got " + maxLoss);
    }
    long kLo = (long) Math.floor(-maxLoss / h) - 1;
    long kHi = (long) Math.ceil(maxLoss / h) + 1;
    int n = gridPoints(kLo, kHi, "a discretization of " + h);
    double down = StrictMath.exp(-h);
    double[] omega = new double[n];
    double w = 0; // sum of omega_i for i > j + 1
    double a = 0; // sum of omega_i e^(eps_(j+1) - eps_i) for i > j + 1
    for (int j = n - 2; j >= 0; j--) {
      double dj = Math.min(1, Math.max(infinityMass, deltaAt.applyAsDouble((kLo + j) * h)));
      double s = w - down * a; // sum over i > j + 1 of omega_i (1 - e^(eps_j - eps_i))
      double o = Math.max(0, (dj - infinityMass - s) / -StrictMath.expm1(-h));
      omega[j + 1] = o;
      w += o;
      a = down * (o + a);
    }
    omega[0] = Math.max(0, 1 - infinityMass - w);
    return new PrivacyLossDistribution(h, kLo, omega, infinityMass);
  }

  /**
   * Splits a cell's P-mass pc (Q-mass qc) between grid entries i and i+1, of losses l0 and
   * l0 + h, so that both masses are kept: the upper end gets b = (pc e^-l0 - qc) / (e^-l0 -
   * e^-(l0+h)), computed as (pc - qc e^l0) / (1 - e^-h) so that no e^-l underflows at large
   * losses (it did above l = 745, giving 0/0). Where qc itself underflowed to 0 the cell's mass
   * all goes to the upper end: rounding up, pessimistic.
   */
  private static void split(double[] p, int i, double pc, double qc, double l0, double h) {
    if (pc <= 0) {
      return;
    }
    double qScaled = qc > 0 ? StrictMath.exp(StrictMath.log(qc) + l0) : 0;
    double b = (pc - qScaled) / -StrictMath.expm1(-h); // mass at the upper end
    b = Double.isNaN(b) ? pc : Math.min(pc, Math.max(0, b));
    p[i] += pc - b;
    p[i + 1] += b;
  }

  private interface DoublePredicate {
    boolean test(double x);
  }

  /** Smallest x in [lo, hi] with pred true (pred monotone false -> true), to 1e-12 relative. */
  private static double bisect(DoublePredicate pred, double lo, double hi) {
    if (pred.test(lo)) {
      return lo;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
      double mid = 0.5 * (lo + hi);
      if (pred.test(mid)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  /**
   * The PLD of a pair of discrete distributions over the same outcomes: outcomes with
   * {@code p > 0, q = 0} are infinite loss; each finite loss is rounded up to the grid.
   */
  public static PrivacyLossDistribution fromPmfs(double[] p, double[] q, double h) {
    checkInterval(h);
    if (p.length != q.length) {
      throw new IllegalArgumentException("pmfs of different lengths " + p.length + " and " + q.length);
    }
    double inf = 0;
    long kMin = Long.MAX_VALUE;
    long kMax = Long.MIN_VALUE;
    double[] loss = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      if (p[i] <= 0) {
        continue;
      }
      if (q[i] <= 0) {
        inf += p[i];
        continue;
      }
      loss[i] = StrictMath.log(p[i] / q[i]);
      kMin = Math.min(kMin, (long) Math.floor(loss[i] / h));
      kMax = Math.max(kMax, (long) Math.floor(loss[i] / h) + 1);
    }
    if (kMin == Long.MAX_VALUE) {
      return new PrivacyLossDistribution(h, 0, new double[] {0}, inf);
    }
    double[] pmf = new double[Math.toIntExact(kMax - kMin + 1)];
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0 && q[i] > 0) {
        int cell = (int) ((long) Math.floor(loss[i] / h) - kMin);
        double l0 = (kMin + cell) * h;
        split(pmf, cell, p[i], q[i], l0, h);
      }
    }
    return new PrivacyLossDistribution(h, kMin, pmf, inf);
  }

  /** The Gaussian mechanism with noise multiplier sigma (sensitivity 1): L ~ N(mu, 2 mu), mu = 1/(2 sigma^2). */
  public static PrivacyLossDistribution gaussian(double sigma, double h, double tail) {
    if (!(sigma > 0)) {
      throw new IllegalArgumentException("noise multiplier must be > 0, got " + sigma);
    }
    double mu = 1 / (2 * sigma * sigma);
    double sd = Math.sqrt(2 * mu);
    // Under P the loss is N(mu, 2 mu); under Q it is N(-mu, 2 mu).
    LossLaw law = new LossLaw() {
      public double cdfP(double l) {
        return phi((l - mu) / sd);
      }

      public double sfP(double l) {
        return phiBar((l - mu) / sd);
      }

      public double cdfQ(double l) {
        return phi((l + mu) / sd);
      }

      public double sfQ(double l) {
        return phiBar((l + mu) / sd);
      }
    };
    double span = 40 * sd + 10;
    return fromLaw(law, mu - span, mu + span, 0, h, tail);
  }

  /**
   * The Poisson-subsampled Gaussian (add/remove neighbours): {@code [remove, add]} PLDs, for
   * P = (1-q) N(0, s^2) + q N(1, s^2) against Q = N(0, s^2) and the reverse. The accountant takes
   * the larger delta of the two compositions.
   */
  public static PrivacyLossDistribution[] poissonSubsampledGaussian(double q, double sigma, double h, double tail) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + q);
    }
    if (q == 1) {
      PrivacyLossDistribution g = gaussian(sigma, h, tail);
      return new PrivacyLossDistribution[] {g, g};
    }
    double s = sigma;
    double log1mq = StrictMath.log1p(-q);
    // x at which the remove-direction loss log(1-q + q e^((2x-1)/(2 s^2))) equals l > log(1-q).
    DoubleUnaryOperator xOf = l -> s * s * (LogMath.logSub(l, log1mq) - StrictMath.log(q)) + 0.5;
    DoubleUnaryOperator mixCdf = x -> (1 - q) * phi(x / s) + q * phi((x - 1) / s);
    DoubleUnaryOperator mixSf = x -> (1 - q) * phiBar(x / s) + q * phiBar((x - 1) / s);
    double top = 40 * s + 40;
    // In log space: for small sigma e^((2 top - 1) / (2 s^2)) overflows (sigma 0.1: e^4350), which
    // made the range infinite and put every loss at the grid's end.
    double hiLoss = LogMath.logAdd(log1mq, StrictMath.log(q) + (2 * top - 1) / (2 * s * s));
    // Remove: P = mixture, Q = N(0, s^2); the loss increases with x.
    LossLaw remove = new LossLaw() {
      public double cdfP(double l) {
        return l <= log1mq ? 0 : mixCdf.applyAsDouble(xOf.applyAsDouble(l));
      }

      public double sfP(double l) {
        return l <= log1mq ? 1 : mixSf.applyAsDouble(xOf.applyAsDouble(l));
      }

      public double cdfQ(double l) {
        return l <= log1mq ? 0 : phi(xOf.applyAsDouble(l) / s);
      }

      public double sfQ(double l) {
        return l <= log1mq ? 1 : phiBar(xOf.applyAsDouble(l) / s);
      }
    };
    // Add: P = N(0, s^2), Q = mixture; the loss is minus the remove loss, decreasing in x.
    LossLaw add = new LossLaw() {
      public double cdfP(double l) {
        return l >= -log1mq ? 1 : phiBar(xOf.applyAsDouble(-l) / s);
      }

      public double sfP(double l) {
        return l >= -log1mq ? 0 : phi(xOf.applyAsDouble(-l) / s);
      }

      public double cdfQ(double l) {
        return l >= -log1mq ? 1 : mixSf.applyAsDouble(xOf.applyAsDouble(-l));
      }

      public double sfQ(double l) {
        return l >= -log1mq ? 0 : mixCdf.applyAsDouble(xOf.applyAsDouble(-l));
      }
    };
    return new PrivacyLossDistribution[] {
      fromLaw(remove, log1mq, hiLoss, 0, h, tail), fromLaw(add, -hiLoss, -log1mq, 0, h, tail)};
  }

  private static double phi(double z) {
    return 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
  }

  private static double phiBar(double z) {
    return StrictMath.exp(LogMath.logNormalSf(z));
  }

  /** delta(epsilon) = P_inf + sum over losses l > epsilon of p(l) (1 - e^(epsilon - l)). */
  public double delta(double epsilon) {
    double d = infinityMass;
    for (int i = pmf.length - 1; i >= 0; i--) {
      double l = loss(i);
      if (l <= epsilon) {
        break;
      }
      d += pmf[i] * -StrictMath.expm1(epsilon - l);
    }
    return Math.min(1, d);
  }

  /** The smallest epsilon >= 0 with delta(epsilon) <= delta (infinity if none). */
  public double epsilon(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (infinityMass > delta) {
      return Double.POSITIVE_INFINITY;
    }
    if (delta(0) <= delta) {
      return 0;
    }
    // Walk down from the top. For eps in the cell [l_(i-1), l_i) below grid point i,
    // delta(eps) = inf + S1_i - sum_(j >= i) p_j e^(eps - l_j) = inf + S1_i - A_i e^(eps - l_i) with
    // A_i = sum_(j >= i) p_j e^(l_i - l_j) = p_i + e^-h A_(i+1) in [0, 1]: every exponent is in
    // [-h, 0], so nothing overflows or underflows at any epsilon (e^-l and e^eps on their own do
    // above 709; the search then stopped at ln(Double.MAX_VALUE)).
    double s1 = 0;
    double a = 0;
    double down = StrictMath.exp(-h);
    for (int i = pmf.length - 1; i >= 0; i--) {
      double l = loss(i);
      s1 += pmf[i];
      a = pmf[i] + down * a;
      double lower = i > 0 ? loss(i - 1) : Double.NEGATIVE_INFINITY;
      double dAtLower = infinityMass + s1 - (i > 0 ? a * down : 0);
      if (dAtLower > delta || lower <= 0) {
        double eps = l + StrictMath.log((infinityMass + s1 - delta) / a);
        return Math.max(0, Math.min(l, eps));
      }
    }
    return 0;
  }

  /**
   * How many grid points {@code lo..hi} is, or an {@link IllegalArgumentException} saying what to
   * change when that is more than fit: at most 2^26, and at most what the heap holds three
   * transforms of (the composition needs two arrays of the rounded-up power of two).
   */
  static int gridPoints(long lo, long hi, String what) {
    long cap = Math.min(1L << 26, Runtime.getRuntime().maxMemory() / 48);
    long n;
    try {
      n = Math.addExact(Math.subtractExact(hi, lo), 1);
    } catch (ArithmeticException e) {
      n = Long.MAX_VALUE;
    }
    if (n < 1 || n > cap) {
      throw new IllegalArgumentException("the privacy-loss distribution for " + what + " would need "
          + (n == Long.MAX_VALUE ? "more than 2^63" : Long.toString(n)) + " grid points (at most " + cap
          + " fit in this heap): use a coarser discretization, fewer compositions, or the RDP accountant");
    }
    return (int) n;
  }

  /** This PLD composed with itself {@code times} times. */
  public PrivacyLossDistribution selfCompose(long times) {
    return selfCompose(times, DEFAULT_TAIL);
  }

  public PrivacyLossDistribution selfCompose(long times, double tail) {
    if (times < 1) {
      throw new IllegalArgumentException("composition count must be >= 1, got " + times);
    }
    if (times == 1) {
      return this;
    }
    long[] range = chernoffRange(times, tail);
    long lo = range[0];
    long hi = range[1];
    int n = Integer.highestOneBit(gridPoints(lo, hi, times + " compositions") - 1) << 1;
    n = Math.max(n, Integer.highestOneBit(pmf.length) << 1);
    double[][] z = new double[2][n];
    // Place entry i at (i - c) mod n, where c is a shift making the composed support start near lo.
    for (int i = 0; i < pmf.length; i++) {
      z[0][Math.floorMod(i, n)] += pmf[i];
    }
    FastFourierTransformer.transformInPlace(z, DftNormalization.STANDARD, TransformType.FORWARD);
    for (int j = 0; j < n; j++) {
      // z^times by repeated squaring: about 2 log2(times) complex products, plain arithmetic (the
      // same bits on every machine) instead of polar form's hypot, atan2, exp, log, cos and sin.
      // |z| <= 1 (the transform of a pmf), so no power overflows.
      double re = z[0][j];
      double im = z[1][j];
      double pr = 1;
      double pi = 0;
      for (long e = times; ; ) {
        if ((e & 1) != 0) {
          double t = pr * re - pi * im;
          pi = pr * im + pi * re;
          pr = t;
        }
        e >>>= 1;
        if (e == 0) {
          break;
        }
        double t = re * re - im * im;
        im = 2 * re * im;
        re = t;
      }
      z[0][j] = pr;
      z[1][j] = pi;
    }
    FastFourierTransformer.transformInPlace(z, DftNormalization.STANDARD, TransformType.INVERSE);
    // The composed index (sum of entry indices) s has loss (times*offset + s) h; keep s in [lo', hi'].
    long base = times * offset;
    long sLo = lo - base;
    int len = Math.toIntExact(hi - lo + 1);
    double[] out = new double[len];
    double kept = 0;
    for (int t = 0; t < len; t++) {
      double v = z[0][Math.floorMod(sLo + t, n)];
      out[t] = v > 0 ? v : 0;
      kept += out[t];
    }
    double finite = StrictMath.pow(1 - infinityMass, times);
    double inf = 1 - finite;
    // FFT round-off can only be scaled down (never adds mass); the excluded tail counts as infinite loss.
    double scale = kept > finite ? finite / kept : 1;
    for (int t = 0; t < len; t++) {
      out[t] *= scale;
    }
    return new PrivacyLossDistribution(h, lo, out, inf + tail);
  }

  /** [lo, hi] grid indices holding all but {@code tail} of the {@code times}-fold composition. */
  private long[] chernoffRange(long times, double tail) {
    double logTail = StrictMath.log(tail / 2);
    double up = Double.POSITIVE_INFINITY;
    double down = Double.NEGATIVE_INFINITY;
    double[] lambdas = {1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100};
    for (double lam : lambdas) {
      double lu = logMgf(lam);
      up = Math.min(up, (times * lu - logTail) / lam);
      double ld = logMgf(-lam);
      down = Math.max(down, -(times * ld - logTail) / lam);
    }
    long lo = (long) Math.floor(down / h) - 1;
    long hi = (long) Math.ceil(up / h) + 1;
    long minPossible = times * offset;
    long maxPossible = times * (offset + pmf.length - 1);
    return new long[] {Math.max(lo, minPossible), Math.min(hi, maxPossible)};
  }

  /** log E[e^(lambda L)] over the finite part, normalised to it. */
  private double logMgf(double lambda) {
    double acc = Double.NEGATIVE_INFINITY;
    double norm = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < pmf.length; i++) {
      if (pmf[i] > 0) {
        double lp = StrictMath.log(pmf[i]);
        acc = LogMath.logAdd(acc, lp + lambda * loss(i));
        norm = LogMath.logAdd(norm, lp);
      }
    }
    return acc - norm;
  }

  /**
   * Drops grid entries holding at most {@code tail/2} of the mass at each end, pessimistically:
   * the low end's mass moves up to the first kept entry, the high end's becomes infinite loss.
   */
  public PrivacyLossDistribution truncate(double tail) {
    int lo = 0;
    double low = 0;
    while (lo < pmf.length - 1 && low + pmf[lo] <= tail / 2) {
      low += pmf[lo++];
    }
    int hi = pmf.length - 1;
    double high = 0;
    while (hi > lo && high + pmf[hi] <= tail / 2) {
      high += pmf[hi--];
    }
    double[] out = Arrays.copyOfRange(pmf, lo, hi + 1);
    out[0] += low;
    return new PrivacyLossDistribution(h, offset + lo, out, infinityMass + high);
  }

  /** The composition of this PLD with another of the same interval. */
  public PrivacyLossDistribution compose(PrivacyLossDistribution other) {
    if (other.h != h) {
      throw new IllegalArgumentException("cannot compose PLDs of intervals " + h + " and " + other.h);
    }
    int len = pmf.length + other.pmf.length - 1;
    int n = Integer.highestOneBit(Math.max(1, len - 1)) << 1;
    double[][] a = new double[2][n];
    double[][] b = new double[2][n];
    System.arraycopy(pmf, 0, a[0], 0, pmf.length);
    System.arraycopy(other.pmf, 0, b[0], 0, other.pmf.length);
    FastFourierTransformer.transformInPlace(a, DftNormalization.STANDARD, TransformType.FORWARD);
    FastFourierTransformer.transformInPlace(b, DftNormalization.STANDARD, TransformType.FORWARD);
    for (int j = 0; j < n; j++) {
      double re = a[0][j] * b[0][j] - a[1][j] * b[1][j];
      double im = a[0][j] * b[1][j] + a[1][j] * b[0][j];
      a[0][j] = re;
      a[1][j] = im;
    }
    FastFourierTransformer.transformInPlace(a, DftNormalization.STANDARD, TransformType.INVERSE);
    double[] out = new double[len];
    for (int i = 0; i < len; i++) {
      out[i] = Math.max(0, a[0][i]);
    }
    double inf = 1 - (1 - infinityMass) * (1 - other.infinityMass);
    return new PrivacyLossDistribution(h, offset + other.offset, out, inf);
  }

  private static void checkInterval(double h) {
    if (!(h > 0 && h < 1)) {
      throw new IllegalArgumentException("discretization interval must be in (0, 1), got " + h);
    }
  }

  @Override
  public String toString() {
    return "PLD[h=" + h + ", losses " + loss(0) + ".." + loss(pmf.length - 1) + ", inf=" + infinityMass
        + ", mass=" + Arrays.stream(pmf).sum() + "]";
  }
}
