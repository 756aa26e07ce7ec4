package dev.starling.node.learning.engine;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) as PyTorch computes it: decoupled decay {@code w -= lr·wd·w}, then
 * {@code w -= (lr / (1 - β1ᵗ)) · m / (sqrt(v) / sqrt(1 - β2ᵗ) + ε)}.
 */
final class AdamW implements Optimizer {
  private final float lr;
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float decay;
  private final Map<Param, float[][]> moments = new IdentityHashMap<>();
  private double b1t = 1;
  private double b2t = 1;

  AdamW(float lr, float beta1, float beta2, float eps, float weightDecay) {
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.decay = lr * weightDecay;
  }

  @Override
  public void step(List<Param> params) {
    b1t *= beta1; // β1ᵗ and β2ᵗ by repeated multiplication: the same bits everywhere
    b2t *= beta2;
    float stepSize = (float) (lr / (1 - b1t));
    float root = (float) Math.sqrt(1 - b2t);
    float c1 = 1 - beta1;
    float c2 = 1 - beta2;
    for (Param p : params) {
      float[] w = p.value();
      float[] g = p.grad();
      float[][] mv = moments.computeIfAbsent(p, q -> new float[][] {new float[w.length], new float[w.length]});
      float[] m = mv[0];
      float[] v = mv[1];
      for (int i = 0; i < w.length; i++) {
        float gi = g[i];
        float wi = w[i] - decay * w[i];
        float mi = beta1 * m[i] + c1 * gi;
        float vi = beta2 * v[i] + c2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        w[i] = wi - stepSize * (mi / ((float) Math.sqrt(vi) / root + eps));
      }
    }
  }

  @Override
  public void reset() {
    b1t = 1;
    b2t = 1;
    for (float[][] mv : moments.values()) {
      java.util.Arrays.fill(mv[0], 0f);
      java.util.Arrays.fill(mv[1], 0f);
    }
  }
}
