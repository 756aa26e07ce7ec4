package dev.starling.privacy.rqm;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * The RQM mechanism: per coordinate, clip to [-c, c], sub-sample the interior levels (each kept
 * with probability q, fresh per coordinate), then round without bias to one of the two nearest
 * kept levels. The output is the level index; {@code E[decode(quantize(x))] = clip(x)}.
 *
 * <p>Only the nearest kept level below and above matter, and each is a truncated geometric walk
 * from the input's cell, so a coordinate costs O(1/q) draws instead of m.
 */
public final class Rqm {

  private final RqmParams p;

  public Rqm(RqmParams params) {
    this.p = params;
  }

  public RqmParams params() {
    return p;
  }

  /** Quantizes every coordinate with fresh randomness from {@code rng}. */
  public int[] quantize(float[] x, UniformRandomProvider rng) {
    int[] z = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      z[i] = quantize(x[i], rng);
    }
    return z;
  }

  /** One coordinate. */
  public int quantize(double x, UniformRandomProvider rng) {
    double c = p.clip();
    double v = Math.max(-c, Math.min(c, x));
    int m = p.levels();
    double outer = p.outer();
    int j = (int) Math.floor((v + outer) * (m - 1) / (2 * outer));
    j = Math.max(0, Math.min(m - 2, j));
    if (p.level(j + 1) <= v) {
      j = Math.min(m - 2, j + 1); // guard against rounding at a level
    }
    // Nearest kept level at or below v (level j is a candidate when interior), and above it.
    int lo = j;
    while (lo > 0 && !(m > 2 && rng.nextDouble() < p.keepProb())) {
      lo--;
    }
    int hi = j + 1;
    while (hi < m - 1 && !(m > 2 && rng.nextDouble() < p.keepProb())) {
      hi++;
    }
    double bl = p.level(lo);
    double bh = p.level(hi);
    double up = (v - bl) / (bh - bl);
    return rng.nextDouble() < up ? hi : lo;
  }

  /** The level values of indices. */
  public float[] decode(int[] z) {
    float[] out = new float[z.length];
    for (int i = 0; i < z.length; i++) {
      if (z[i] < 0 || z[i] >= p.levels()) {
        throw new IllegalArgumentException("level index " + z[i] + " at " + i + " outside [0, " + p.levels() + ")");
      }
      out[i] = (float) p.level(z[i]);
    }
    return out;
  }
}
