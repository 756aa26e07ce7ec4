package dev.starling.node.learning.engine;

import java.lang.management.ManagementFactory;

/**
 * The one multiply-add of the training engine: {@code a * b + c} rounded once (IEEE 754 fused
 * multiply-add), so its result is the same on every CPU, vector width and JDK.
 *
 * <p>Where the CPU executes FMA (every x86-64 since Haswell and Zen, every arm64), {@link Math#fma}
 * is one instruction. Where it does not (older CPUs, or {@code -XX:UseAVX=0}), the JDK computes it
 * with {@code BigDecimal}; {@link #fma} then uses an exact emulation in double arithmetic instead
 * (the product of two floats is exact in double, and the sum is rounded to odd before the final
 * rounding to float, which makes the double rounding innocuous: Boldo and Melquiond, "Emulation of
 * FMA and correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008).
 */
public final class Fma {
  private Fma() {}

  /** Whether the JVM runs FMA as a CPU instruction (HotSpot's {@code UseFMA}). */
  public static final boolean HARDWARE = hardware();

  private static boolean hardware() {
    if (System.getProperty("starling.engine.fma") != null) {
      return Boolean.getBoolean("starling.engine.fma");
    }
    try {
      var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      return Boolean.parseBoolean(bean.getVMOption("UseFMA").getValue());
    } catch (RuntimeException | LinkageError e) {
      return "aarch64".equals(System.getProperty("os.arch")); // arm64 always has FMA
    }
  }

  /** {@code a * b + c} with one rounding. */
  public static float fma(float a, float b, float c) {
    return HARDWARE ? Math.fma(a, b, c) : emulated(a, b, c);
  }

  /** {@code a * b + c} with one rounding, in double arithmetic (for CPUs without FMA). */
  static float emulated(float a, float b, float c) {
    double p = (double) a * (double) b; // exact: 24 + 24 significant bits fit in 53
    double s = p + c;
    if (Double.isFinite(s)) {
      double bb = s - p; // TwoSum: err is the exact rounding error of p + c
      double err = (p - (s - bb)) + (c - bb);
      long bits = Double.doubleToRawLongBits(s);
      if (err != 0 && (bits & 1) == 0) { // round to odd: inexact results get an odd last bit
        bits += (err > 0) == (s > 0) ? 1 : -1;
        s = Double.longBitsToDouble(bits);
      }
    }
    return (float) s;
  }
}
