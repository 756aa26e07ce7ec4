package dev.starling.aggregator;

/**
 * Plain server step {@code params += lr * delta}. With lr = 1 this is FedAvg's global update.
 */
public final class ServerSgd implements ServerOptimizer {

  private final float lr;

  public ServerSgd(double lr) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("server learning rate must be > 0, got " + lr);
    }
    this.lr = (float) lr;
  }

  @Override
  public void step(float[] params, float[] delta) {
    Optimizers.checkLengths(params, delta);
    for (int i = 0; i < params.length; i++) {
      params[i] += lr * delta[i];
    }
  }

  @Override
  public String name() {
    return "sgd";
  }
}
