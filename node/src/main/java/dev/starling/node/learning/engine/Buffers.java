package dev.starling.node.learning.engine;

/** Scratch buffers that grow with the largest batch seen and are otherwise reused. */
final class Buffers {
  private Buffers() {}

  /** {@code buf} if it holds {@code size} floats, else a new zeroed buffer of that size. */
  static float[] fit(float[] buf, int size) {
    return buf != null && buf.length >= size ? buf : new float[size];
  }

}
