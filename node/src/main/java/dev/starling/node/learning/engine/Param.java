package dev.starling.node.learning.engine;

/**
 * One parameter tensor of a layer in the layer's own layout (padded for the vector kernels), with
 * its gradient and the map to the model's flat vector: {@code flat[offset + f] = value[internal[f]]}.
 * Entries that no flat index maps to are padding: their value and gradient stay zero.
 */
public record Param(float[] value, float[] grad, int[] internal) {

  /**
   * A weight matrix with {@code out} rows of {@code fan} inputs in the flat vector, kept
   * transposed as [fan][outPad] so that the outputs are the kernels' vector lanes.
   */
  static Param weights(int out, int fan, int outPad) {
    int[] map = new int[out * fan];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < fan; i++) {
        map[o * fan + i] = i * outPad + o;
      }
    }
    return new Param(new float[fan * outPad], new float[fan * outPad], map);
  }

  /** A bias of {@code out} values, padded to {@code outPad}. */
  static Param bias(int out, int outPad) {
    int[] map = new int[out];
    for (int o = 0; o < out; o++) {
      map[o] = o;
    }
    return new Param(new float[outPad], new float[outPad], map);
  }

  /** PyTorch's default initialisation, U(-1/sqrt(fanIn), 1/sqrt(fanIn)), drawn in flat order. */
  void initUniform(java.util.SplittableRandom rng, int fanIn) {
    double bound = 1.0 / Math.sqrt(fanIn);
    for (int f = 0; f < internal.length; f++) {
      value[internal[f]] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
  }

  public int size() {
    return internal.length;
  }

  void export(float[] flat, int offset) {
    for (int f = 0; f < internal.length; f++) {
      flat[offset + f] = value[internal[f]];
    }
  }

  void load(float[] flat, int offset) {
    for (int f = 0; f < internal.length; f++) {
      value[internal[f]] = flat[offset + f];
    }
  }
}
