package dev.starling.privacy.rqm;

/**
 * Parameters of the Randomized Quantization Mechanism (Youn et al. 2023): inputs clipped to
 * [-c, c], m levels evenly spaced over [-(c + Delta), c + Delta], interior levels kept
 * independently with probability q (the end levels always). Privacy depends only on
 * (m, q, Delta/c).
 */
public record RqmParams(double clip, double extension, int levels, double keepProb) {

  public RqmParams {
    if (!(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("RQM clip c must be > 0, got " + clip);
    }
    if (!(extension > 0) || Double.isInfinite(extension)) {
      throw new IllegalArgumentException("RQM range extension Delta must be > 0 (Delta = 0 gives infinite privacy loss), got " + extension);
    }
    if (levels < 2) {
      throw new IllegalArgumentException("RQM needs at least 2 levels, got " + levels);
    }
    if (levels > 2) {
      if (!(keepProb > 0 && keepProb <= 1)) {
        throw new IllegalArgumentException("RQM keep probability must be in (0, 1), got " + keepProb);
      }
      if (keepProb == 1) {
        throw new IllegalArgumentException("RQM keep probability 1 with " + levels
            + " levels is plain stochastic rounding: inputs c and -c have different output supports, "
            + "so the privacy loss is infinite; use a keep probability below 1");
      }
    }
  }

  /** From the scale-free ratio Delta/c (with c = 1). */
  public static RqmParams ofRatio(int levels, double keepProb, double rangeRatio) {
    return new RqmParams(1.0, rangeRatio, levels, levels == 2 ? 0.5 : keepProb);
  }

  /** X = c + Delta, the outermost level. */
  public double outer() {
    return clip + extension;
  }

  /** Level i: -X + 2 i X / (m - 1). */
  public double level(int i) {
    return -outer() + 2.0 * i * outer() / (levels - 1);
  }

  public double rangeRatio() {
    return extension / clip;
  }

  /** Bits per coordinate on the wire: ceil(log2 m). */
  public int bitsPerCoordinate() {
    return 32 - Integer.numberOfLeadingZeros(levels - 1);
  }
}
