package dev.starling.privacy.rdp;

import java.util.ArrayList;
import java.util.List;

/**
 * Composes Rényi-DP events and converts the total to (epsilon, delta) with the conversion of
 * Canonne, Kamath and Steinke 2020 (Prop. 12; Balle et al. 2020 Thm 21), then tightened at the
 * optimal order by the exact single-order conversion ({@link OptimalConversion}); minimised over an order
 * grid from 1.01 to 4096 that includes every order dp_accounting and Opacus use, so its epsilon is
 * never larger than theirs for the same curve. Pure-DP events (a finite epsilon at order
 * infinity) are also composed on their own, and the smaller epsilon is reported.
 */
public final class RdpAccountant {

  /** The default orders: fine fractional orders near 1, every integer to 64, then sparser to 4096. */
  public static final double[] DEFAULT_ORDERS = defaultOrders();

  private final double[] orders;
  private final double[] total;
  private final List<RdpCurve> curves = new ArrayList<>();
  private final List<Long> counts = new ArrayList<>();
  private double pureEpsilon;
  private boolean allPure = true;

  public RdpAccountant() {
    this(DEFAULT_ORDERS);
  }

  public RdpAccountant(double[] orders) {
    for (double a : orders) {
      if (!(a > 1)) {
        throw new IllegalArgumentException("Renyi orders must be > 1, got " + a);
      }
    }
    this.orders = orders.clone();
    this.total = new double[orders.length];
  }

  private static double[] defaultOrders() {
    List<Double> o = new ArrayList<>(List.of(1.01, 1.02, 1.03, 1.05, 1.075));
    for (int i = 11; i < 110; i++) {
      o.add(i / 10.0); // 1.1 .. 10.9
    }
    for (int a = 11; a <= 64; a++) {
      o.add((double) a);
    }
    for (int a = 72; a <= 256; a += 8) {
      o.add((double) a);
    }
    for (int a = 320; a <= 1024; a += 64) {
      o.add((double) a);
    }
    for (double a : new double[] {1536, 2048, 3072, 4096}) {
      o.add(a);
    }
    return o.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Adds {@code count} compositions of {@code curve}. */
  public RdpAccountant compose(RdpCurve curve, long count) {
    if (count < 0) {
      throw new IllegalArgumentException("composition count must be >= 0, got " + count);
    }
    for (int i = 0; i < orders.length; i++) {
      total[i] += count == 0 ? 0 : count * curve.epsilon(orders[i]);
    }
    curves.add(curve);
    counts.add(count);
    allPure = false;
    return this;
  }

  /** Adds {@code count} compositions of an event with both an RDP curve and a pure-DP epsilon. */
  public RdpAccountant compose(RdpCurve curve, double pureEpsilonPerEvent, long count) {
    boolean wasPure = allPure;
    compose(curve, count);
    allPure = wasPure;
    pureEpsilon += count * pureEpsilonPerEvent;
    return this;
  }

  /** The composed RDP at each order. */
  public double[] rdp() {
    return total.clone();
  }

  public double[] orders() {
    return orders.clone();
  }

  /** An epsilon with the order it was reached at (infinity for pure DP). */
  public record Result(double epsilon, double delta, double order) {}

  /** The composed RDP at any order (evaluates every composed curve). */
  public double rdpAt(double alpha) {
    double sum = 0;
    for (int k = 0; k < curves.size(); k++) {
      sum += counts.get(k) == 0 ? 0 : counts.get(k) * curves.get(k).epsilon(alpha);
    }
    return sum;
  }

  /**
   * Golden-section search of {@code f} between the neighbours of grid order {@code index};
   * returns {order, value}.
   */
  private double[] refine(int index, java.util.function.DoubleUnaryOperator f) {
    double lo = orders[Math.max(0, index - 1)];
    double hi = orders[Math.min(orders.length - 1, index + 1)];
    double g = (Math.sqrt(5) - 1) / 2;
    double x1 = hi - g * (hi - lo);
    double x2 = lo + g * (hi - lo);
    double f1 = f.applyAsDouble(x1);
    double f2 = f.applyAsDouble(x2);
    for (int it = 0; it < 40 && hi - lo > 1e-6 * orders[index]; it++) {
      if (f1 < f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - g * (hi - lo);
        f1 = f.applyAsDouble(x1);
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + g * (hi - lo);
        f2 = f.applyAsDouble(x2);
      }
    }
    return f1 < f2 ? new double[] {x1, f1} : new double[] {x2, f2};
  }

  private static double logDeltaAt(double rdp, double alpha, double epsilon) {
    return (alpha - 1) * (rdp - epsilon + StrictMath.log1p(-1 / alpha)) - StrictMath.log(alpha);
  }

  private static double conversion(double rdp, double alpha, double delta) {
    return rdp + StrictMath.log1p(-1 / alpha) - (StrictMath.log(delta) + StrictMath.log(alpha)) / (alpha - 1);
  }

  /**
   * The smallest epsilon for {@code delta}: the best grid order, then refined by a golden-section
   * search between its neighbours (the conversion is smooth in the order), and pure DP when every
   * event has it.
   */
  public Result epsilon(double delta) {
    checkDelta(delta);
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    int bestIndex = -1;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = total[i];
      if (Double.isNaN(r) || Double.isInfinite(r)) {
        continue;
      }
      double eps = conversion(r, a, delta);
      if (eps < best) {
        best = eps;
        bestOrder = a;
        bestIndex = i;
      }
    }
    if (bestIndex >= 0 && !curves.isEmpty()) {
      double[] refined = refine(bestIndex, alpha -> conversion(rdpAt(alpha), alpha, delta));
      if (refined[1] < best && Double.isFinite(refined[1])) {
        best = refined[1];
        bestOrder = refined[0];
      }
    }
    if (Double.isFinite(best) && best > 0 && !curves.isEmpty()) {
      // The optimal conversion at the best order is never looser than the CKS bound.
      double opt = OptimalConversion.epsilon(bestOrder, rdpAt(bestOrder), delta, best);
      best = Math.min(best, opt);
    }
    best = Math.max(0, best);
    if (allPure && pureEpsilon < best) {
      return new Result(pureEpsilon, delta, Double.POSITIVE_INFINITY);
    }
    return new Result(best, delta, bestOrder);
  }

  /** The smallest delta for {@code epsilon} over the orders. */
  public Result delta(double epsilon) {
    if (!(epsilon >= 0)) {
      throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
    }
    double bestLog = 0;
    double bestOrder = Double.NaN;
    int bestIndex = -1;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double r = total[i];
      if (Double.isNaN(r) || Double.isInfinite(r)) {
        continue;
      }
      double logDelta = logDeltaAt(r, a, epsilon);
      if (logDelta < bestLog) {
        bestLog = logDelta;
        bestOrder = a;
        bestIndex = i;
      }
    }
    if (bestIndex >= 0 && !curves.isEmpty()) {
      double[] refined = refine(bestIndex, alpha -> logDeltaAt(rdpAt(alpha), alpha, epsilon));
      if (refined[1] < bestLog) {
        bestLog = refined[1];
        bestOrder = refined[0];
      }
    }
    if (allPure && pureEpsilon <= epsilon) {
      return new Result(epsilon, 0, Double.POSITIVE_INFINITY);
    }
    double d = StrictMath.exp(bestLog);
    if (!curves.isEmpty() && Double.isFinite(bestOrder)) {
      d = Math.min(d, OptimalConversion.delta(bestOrder, rdpAt(bestOrder), epsilon));
    }
    return new Result(epsilon, d, bestOrder);
  }

  /** Whether the optimal order for {@code delta} lies on the edge of the grid (widen the grid). */
  public boolean optimumOnGridEdge(double delta) {
    double o = epsilon(delta).order();
    return o == orders[0] || o == orders[orders.length - 1];
  }

  static void checkDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
  }
}
