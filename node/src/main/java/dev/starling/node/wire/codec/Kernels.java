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

  private static final ThreadLocal<int[]> TMP = ThreadLocal.withInitial(() -> new int[1 << 12]);

  private static int[] tmp(int len) {
    int[] t = TMP.get();
    if (t.length < len) {
      t = new int[len];
      TMP.set(t);
    }
    return t;
  }

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
    if (SIMD) {
      SimdKernels.e3m0Pack(v, from, to, inv, out);
      return;
    }
    int len = to - from;
    int[] codes = tmp(len);
    if (SIMD) {
      SimdKernels.e3m0Codes(v, from, to, inv, codes);
    } else {
      for (int j = 0; j < len; j++) {
        codes[j] = e3m0CodeScalar(v[from + j], inv);
      }
    }
    int j = 0;
    int i = from;
    for (; j + 1 < len; j += 2, i += 2) {
      out[i >> 1] = (byte) (codes[j] | codes[j + 1] << 4);
    }
    if (j < len) {
      out[i >> 1] |= (byte) codes[j];
    }
  }

  /** C2 vectorizes this loop itself; the Vector API's float-to-int convert measured slower here. */
  static void int8Block(float[] v, int from, int to, float inv, byte[] out) {
    for (int i = from; i < to; i++) {
      out[i] = (byte) (int) ((v[i] * inv + 12582912f) - 12582912f);
    }
  }
}
