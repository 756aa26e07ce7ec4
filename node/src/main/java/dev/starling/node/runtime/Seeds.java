package dev.starling.node.runtime;

/**
 * Derives independent, reproducible seeds from a run seed and identifiers (node id, round, ...)
 * with the SplitMix64 finaliser, so every node and round has its own random stream that does not
 * depend on scheduling.
 */
public final class Seeds {
  private Seeds() {}

  public static long derive(long seed, long... parts) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (long p : parts) {
      h = mix(h + 0x9E3779B97F4A7C15L + p);
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
