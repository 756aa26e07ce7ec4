package dev.starling.aggregator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shared skeleton of FedAdagrad, FedAdam and FedYogi (Reddi et al. 2021, Algorithm 2):
 * {@code m = b1*m + (1-b1)*delta}, a method-specific second-moment update of {@code v}, then
 * {@code params += lr * m / (sqrt(v) + tau)}. As in the paper, {@code v} starts at {@code tau^2}
 * and there is no bias correction.
 */
public abstract class AdaptiveServerOptimizer implements ServerOptimizer {

  /** Reddi et al. 2021 defaults: beta1 = 0.9, beta2 = 0.99, tau = 1e-3. */
  public static final double DEFAULT_BETA1 = 0.9;

  public static final double DEFAULT_BETA2 = 0.99;
  public static final double DEFAULT_TAU = 1e-3;

  protected final double lr;
  protected final double beta1;
  protected final double beta2;
  protected final double tau;
  private float[] m;
  private float[] v;

  protected AdaptiveServerOptimizer(double lr, double beta1, double beta2, double tau) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("server learning rate must be > 0, got " + lr);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    }
    if (!(tau > 0)) {
      throw new IllegalArgumentException("tau must be > 0, got " + tau);
    }
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.tau = tau;
  }

  /** The new second moment of one coordinate from the old one and the update {@code d}. */
  protected abstract double secondMoment(double v, double d);

  @Override
  public final void step(float[] params, float[] delta) {
    Optimizers.checkLengths(params, delta);
    if (m == null) {
      m = new float[params.length];
      v = new float[params.length];
      java.util.Arrays.fill(v, (float) (tau * tau));
    }
    for (int i = 0; i < params.length; i++) {
      double d = delta[i];
      double mi = beta1 * m[i] + (1 - beta1) * d;
      double vi = secondMoment(v[i], d);
      m[i] = (float) mi;
      v[i] = (float) vi;
      params[i] += (float) (lr * mi / (Math.sqrt(vi) + tau));
    }
  }

  @Override
  public Map<String, float[]> state() {
    if (m == null) {
      return Map.of();
    }
    Map<String, float[]> s = new LinkedHashMap<>();
    s.put("m", m.clone());
    s.put("v", v.clone());
    return s;
  }

  @Override
  public void restore(Map<String, float[]> state) {
    float[] ms = state.get("m");
    float[] vs = state.get("v");
    if ((ms == null) != (vs == null)) {
      throw new IllegalArgumentException(name() + " state needs both m and v, got " + state.keySet());
    }
    m = ms == null ? null : ms.clone();
    v = vs == null ? null : vs.clone();
  }
}
