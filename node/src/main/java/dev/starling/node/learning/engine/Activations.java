package dev.starling.node.learning.engine;

/** Element-wise activation kernels (C2 vectorizes these loops; each element is independent). */
final class Activations {
  private Activations() {}

  static void relu(float[] y, int n) {
    for (int i = 0; i < n; i++) {
      y[i] = y[i] > 0 ? y[i] : 0f;
    }
  }

  /** {@code dy[i] = 0} where the ReLU output {@code y[i]} was not positive. */
  static void reluGrad(float[] y, float[] dy, int n) {
    for (int i = 0; i < n; i++) {
      dy[i] = y[i] > 0 ? dy[i] : 0f;
    }
  }
}
