package dev.starling.privacy.mechanism;

/** Norm clipping of update vectors, in place. */
public final class Clipping {
  private Clipping() {}

  /** Scales {@code v} so its L2 norm is at most {@code bound}; returns the norm before clipping. */
  public static double l2(float[] v, double bound) {
    checkBound(bound);
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    double norm = Math.sqrt(s);
    if (norm > bound) {
      float f = (float) (bound / norm);
      for (int i = 0; i < v.length; i++) {
        v[i] *= f;
      }
    }
    return norm;
  }

  /** Clips every coordinate to [-bound, bound]; returns how many coordinates were clipped. */
  public static int lInf(float[] v, double bound) {
    checkBound(bound);
    int clipped = 0;
    float b = (float) bound;
    for (int i = 0; i < v.length; i++) {
      if (v[i] > b) {
        v[i] = b;
        clipped++;
      } else if (v[i] < -b) {
        v[i] = -b;
        clipped++;
      }
    }
    return clipped;
  }

  private static void checkBound(double bound) {
    if (!(bound > 0) || Double.isInfinite(bound)) {
      throw new IllegalArgumentException("clipping bound must be > 0, got " + bound);
    }
  }
}
