package dev.starling.node.wire.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Vector API kernels give exactly what the scalar ones give (tests run with the module). */
class KernelsTest {

  @Test
  void simdKernelsAreAvailableInTestsAndBitIdenticalToScalar() {
    assertTrue(Kernels.SIMD, "surefire runs with --add-modules jdk.incubator.vector");
    SplittableRandom r = new SplittableRandom(11);
    int n = 1027; // not a multiple of any vector length
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * Math.pow(10, -r.nextInt(5)));
    }
    float[] special = {0f, -0f, 1f, -1f, 0.75f, -0.75f, 0x1p-7f, 0x1.8p-7f, 0x1p-6f, Float.MIN_VALUE, 0.0078f, 0.01f};
    System.arraycopy(special, 0, v, 100, special.length);
    for (float inv : new float[] {1f, 3.7f, 100f, 0f}) {
      int[] simd = new int[n];
      SimdKernels.e3m0Codes(v, 0, n, inv, simd);
      for (int i = 0; i < n; i++) {
        assertEquals(Kernels.e3m0CodeScalar(v[i], inv), simd[i], "code of " + v[i] + " at inv " + inv);
      }
    }
    assertEquals(BlockScales.absMaxOf(v, 3, 1000), SimdKernels.absMax(v, 3, 1000));
    v[500] = Float.NaN;
    assertEquals(Float.POSITIVE_INFINITY, SimdKernels.absMax(v, 0, n));
    v[500] = Float.NEGATIVE_INFINITY;
    assertEquals(Float.POSITIVE_INFINITY, SimdKernels.absMax(v, 0, n));
  }

  @Test
  void simdPackingEqualsScalarPackingForEveryLengthAndOffset() {
    assertTrue(Kernels.SIMD);
    SplittableRandom r = new SplittableRandom(12);
    float[] v = new float[300];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * Math.pow(10, -r.nextInt(4)));
    }
    for (int from = 0; from < 40; from += 2) {
      for (int to = from; to <= v.length; to += 1 + r.nextInt(7)) {
        byte[] simd = new byte[(v.length + 1) / 2];
        byte[] scalar = new byte[(v.length + 1) / 2];
        Kernels.e3m0Block(v, from, to, 0.9f, simd);
        for (int i = from; i < to; i++) {
          scalar[i >> 1] |= (byte) (Kernels.e3m0CodeScalar(v[i], 0.9f) << ((i & 1) << 2));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(scalar, simd, "range [" + from + ", " + to + ")");
      }
    }
  }
}
