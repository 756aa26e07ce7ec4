package dev.starling.aggregator;

/** Shared argument checks of the server optimizers. */
final class Optimizers {
  private Optimizers() {}

  static void checkLengths(float[] params, float[] delta) {
    if (params.length != delta.length) {
      throw new IllegalArgumentException(
          "update length " + delta.length + " does not match parameter length " + params.length);
    }
  }
}
