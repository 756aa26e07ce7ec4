package dev.starling.node.learning.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FmaTest {

  private static void check(float a, float b, float c) {
    float want = Math.fma(a, b, c); // correctly rounded on every JDK (hardware or BigDecimal)
    float got = Fma.emulated(a, b, c);
    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
        () -> "fma(" + a + ", " + b + ", " + c + "): want " + want + ", emulated " + got);
  }

  @Test
  void emulationIsCorrectlyRoundedOnRandomAndHardInputs() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 2_000_000; i++) {
      // Random bit patterns over all exponents (finite only), and nearby-magnitude triples where
      // the product and the addend cancel, which is where double rounding bites.
      float a = Float.intBitsToFloat(r.nextInt() & 0xFF7FFFFF);
      float b = Float.intBitsToFloat(r.nextInt() & 0xFF7FFFFF);
      float c = Float.intBitsToFloat(r.nextInt() & 0xFF7FFFFF);
      check(a, b, c);
      float x = (float) r.nextDouble(-2, 2);
      float y = (float) r.nextDouble(-2, 2);
      check(x, y, -(x * y));
      check(x, y, Math.nextUp(-(x * y)));
      check(x, y, (float) (r.nextDouble() * Math.ulp(x * y) * 4));
      check(Float.MIN_VALUE * r.nextInt(1, 1000), y, (float) r.nextDouble(-1e-38, 1e-38));
    }
  }

  @Test
  void specialValues() {
    float[] v = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3e-39f, 1e30f};
    for (float a : v) {
      for (float b : v) {
        for (float c : v) {
          check(a, b, c);
        }
      }
    }
  }

  /** Ties at float precision that a plain double sum would round twice the wrong way. */
  @Test
  void doubleRoundingCases() {
    // a*b = 1 + 2^-24 + 2^-48 exactly: the double sum with c = 0 keeps it, but with c = -2^-48·(1-2^-30)
    // the exact value lies just above the float midpoint while its double rounding lands on it.
    float a = 1f + 0x1p-23f;
    float b = 1f + 0x1p-24f * 0; // 1
    check(a, b, 0x1p-25f);
    check(1f + 0x1p-12f, 1f + 0x1p-12f, -0x1p-60f);
    check(1f + 0x1p-12f, 1f + 0x1p-12f, 0x1p-60f);
    check(1f + 0x1p-12f, 1f - 0x1p-13f, 0x1p-50f);
  }
}
