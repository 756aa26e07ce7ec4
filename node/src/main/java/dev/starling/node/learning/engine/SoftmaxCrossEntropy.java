package dev.starling.node.learning.engine;

/**
 * Softmax with cross-entropy, the loss of every built-in classifier: mean over the batch of
 * {@code -log softmax(z)[y]}, and its gradient {@code (softmax(z) - onehot(y)) / n}. Computed in
 * double with {@link StrictMath#exp} and {@link StrictMath#log}, which give the same bits on every
 * platform ({@code Math.exp} may use a CPU-specific intrinsic).
 */
final class SoftmaxCrossEntropy {
  private SoftmaxCrossEntropy() {}

  /**
   * @param z logits of {@code n} samples, {@code stride} floats each, the first {@code classes} used
   * @param labels the samples' labels from {@code labels[from]}
   * @param batch the size of the whole batch these samples belong to (the gradient's divisor)
   * @param dz receives the gradient (padding columns zeroed), may be null
   * @return the sum of the samples' losses
   */
  static double apply(float[] z, int stride, int classes, int[] labels, int from, int n, int batch, float[] dz,
      double[] scratch) {
    double total = 0;
    for (int s = 0; s < n; s++) {
      int o = s * stride;
      int y = labels[from + s];
      float max = z[o];
      for (int c = 1; c < classes; c++) {
        max = Math.max(max, z[o + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        double e = StrictMath.exp((double) z[o + c] - max);
        scratch[c] = e;
        sum += e;
      }
      total += StrictMath.log(sum) - ((double) z[o + y] - max);
      if (dz != null) {
        for (int c = 0; c < classes; c++) {
          dz[o + c] = (float) ((scratch[c] / sum - (c == y ? 1 : 0)) / batch);
        }
        for (int c = classes; c < stride; c++) {
          dz[o + c] = 0f;
        }
      }
    }
    return total;
  }

  /** Index of the largest of the first {@code classes} logits of sample {@code s} (the first on ties). */
  static int argmax(float[] z, int stride, int classes, int s) {
    int o = s * stride;
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (z[o + c] > z[o + best]) {
        best = c;
      }
    }
    return best;
  }
}
