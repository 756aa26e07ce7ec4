package dev.starling.node.runtime;

import java.util.SplittableRandom;

/** Draws from standard laws on a {@link SplittableRandom}, identical on every JDK. */
public final class Randoms {
  private Randoms() {}

  /** A standard normal variate (Box-Muller, one of the pair). */
  public static double gaussian(SplittableRandom rng) {
    double u1 = 1.0 - rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
  }
}
