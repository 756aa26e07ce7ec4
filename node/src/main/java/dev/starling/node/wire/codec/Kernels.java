package dev.starling.node.wire.codec;

/**
 * The codec kernels, dispatched to {@link SimdKernels} when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (the launcher does), else to plain loops. Both give
 * bit-identical results.
 */
final class Kernels {
  private Kernels() {}

  static final boolean SIMD = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && !Boolean.getBoolean("starling.codec.scalar");

  static float absMax(float[] v, int from, int to) {
    return SIMD ? SimdKernels.absMax(v, from, to) : BlockScales.absMaxOf(v, from, to);
  }

  static int e3m0CodeScalar(float x, float inv) {
    int bits = Float.floatToRawIntBits(Math.abs(x) * inv);
    int e = ((bits + 0x3FFFFF) >>> 23) - 120;
    e &= ~(e >> 31);
    e += ((0x3C000000 - bits) >>> 31) & ((e - 1) >>> 31);
    return ((Float.floatToRawIntBits(x) >>> 31) << 3) | e; // sign kept even for zero, as specified
  }

  /** E3M0 codes for v[from, to), packed two per byte into out (from must be even). */
  static void e3m0Block(float[] v, int from, int to, float inv, byte[] out) {
    int i = SIMD ? SimdKernels.e3m0Pack(v, from, to, inv, out) : from;
    for (; i + 1 < to; i += 2) {
      out[i >> 1] = (byte) (e3m0CodeScalar(v[i], inv) | e3m0CodeScalar(v[i + 1], inv) << 4);
    }
    if (i < to) {
      out[i >> 1] |= (byte) e3m0CodeScalar(v[i], inv);
    }
  }

  /** C2 vectorizes this loop itself; the Vector API's float-to-int convert measured slower here. */
  static void int8Block(float[] v, int from, int to, float inv, byte[] out) {
    for (int i = from; i < to; i++) {
      out[i] = (byte) (int) ((v[i] * inv + 12582912f) - 12582912f);
    }
  }
}
