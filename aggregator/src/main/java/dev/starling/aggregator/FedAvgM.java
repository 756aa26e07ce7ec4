package dev.starling.aggregator;

import java.util.Map;

/**
 * FedAvg with server momentum (Hsu et al. 2019): {@code v = beta*v + delta; params += lr*v}.
 */
public final class FedAvgM implements ServerOptimizer {

  private final float lr;
  private final float momentum;
  private float[] velocity;

  public FedAvgM(double lr, double momentum) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("server learning rate must be > 0, got " + lr);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("server momentum must be in [0, 1), got " + momentum);
    }
    this.lr = (float) lr;
    this.momentum = (float) momentum;
  }

  @Override
  public void step(float[] params, float[] delta) {
    Optimizers.checkLengths(params, delta);
    if (velocity == null) {
      velocity = new float[params.length];
    }
    for (int i = 0; i < params.length; i++) {
      velocity[i] = momentum * velocity[i] + delta[i];
      params[i] += lr * velocity[i];
    }
  }

  @Override
  public String name() {
    return "fedavgm";
  }

  @Override
  public Map<String, float[]> state() {
    return velocity == null ? Map.of() : Map.of("velocity", velocity.clone());
  }

  @Override
  public void restore(Map<String, float[]> state) {
    float[] v = state.get("velocity");
    velocity = v == null ? null : v.clone();
  }
}
