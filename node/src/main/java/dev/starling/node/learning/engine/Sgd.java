package dev.starling.node.learning.engine;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD, with Nesterov momentum when momentum > 0 (PyTorch's form: {@code buf = μ·buf + g},
 * {@code w -= lr·(g + μ·buf)}), and decoupled weight decay {@code w -= lr·wd·w} before the step.
 */
final class Sgd implements Optimizer {
  private final float lr;
  private final float mu;
  private final float decay;
  private final Map<Param, float[]> buffers = new IdentityHashMap<>();

  Sgd(float lr, float mu, float weightDecay) {
    this.lr = lr;
    this.mu = mu;
    this.decay = lr * weightDecay;
  }

  @Override
  public void step(List<Param> params) {
    for (Param p : params) {
      float[] w = p.value();
      float[] g = p.grad();
      if (decay > 0) {
        for (int i = 0; i < w.length; i++) {
          w[i] -= decay * w[i];
        }
      }
      if (mu == 0) {
        for (int i = 0; i < w.length; i++) {
          w[i] -= lr * g[i];
        }
        continue;
      }
      float[] buf = buffers.computeIfAbsent(p, q -> new float[q.value().length]);
      for (int i = 0; i < w.length; i++) {
        float v = mu * buf[i] + g[i];
        buf[i] = v;
        w[i] -= lr * (g[i] + mu * v);
      }
    }
  }

  @Override
  public void reset() {
    for (float[] b : buffers.values()) {
      java.util.Arrays.fill(b, 0f);
    }
  }
}
