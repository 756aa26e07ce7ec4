package dev.starling.node.learning.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GemmTest {

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return v;
  }

  /** The vector kernels give the scalar reference's bits for every tile shape, edge and operand layout. */
  @Test
  void vectorKernelsMatchTheScalarReferenceBitForBit() {
    assumeTrue(Gemm.VECTOR, "vector kernels not in use on this JVM (no Vector API module or no FMA)");
    SplittableRandom r = new SplittableRandom(3);
    int[] ms = {1, 2, 3, 4, 5, 7, 8, 13, 32};
    int[] ns = {1, 3, 8, 15, 16, 24, 31, 48, 50, 200};
    int[] ks = {0, 1, 2, 17, 255, 256, 257, 600};
    for (int m : ms) {
      for (int n : ns) {
        for (int k : ks) {
          boolean acc = r.nextBoolean();
          int aStep = r.nextInt(1, 4);
          int[] aRows = new int[m];
          for (int i = 0; i < m; i++) {
            aRows[i] = r.nextInt(0, 50);
          }
          int[] bRows = new int[k];
          for (int i = 0; i < k; i++) {
            bRows[i] = r.nextInt(0, 300);
          }
          float[] a = random(r, 60 + m + k * aStep);
          float[] b = random(r, 300 + n + 8);
          float[] c0 = random(r, 5 + m * (n + 2));
          float[] c1 = c0.clone();
          SimdGemm.multiply(m, n, k, a, 3, aRows, aStep, b, 2, bRows, c0, 5, n + 2, acc);
          Gemm.scalar(m, n, k, a, 3, aRows, aStep, b, 2, bRows, c1, 5, n + 2, acc, 0, 0);
          for (int i = 0; i < c0.length; i++) {
            final int at = i;
            assertEquals(Float.floatToRawIntBits(c1[i]), Float.floatToRawIntBits(c0[i]),
                () -> "m=" + m + " n=" + n + " k=" + k + " element " + at);
          }
        }
      }
    }
  }

  @Test
  void computesTheProduct() {
    // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50], plus C when accumulating.
    float[] a = {1, 2, 3, 4};
    float[] b = {5, 6, 7, 8};
    float[] c = {1, 1, 1, 1};
    Gemm.multiply(2, 2, 2, a, 0, Gemm.rows(2, 2), 1, b, 0, Gemm.rows(2, 2), c, 0, 2, true);
    assertEquals(20f, c[0]);
    assertEquals(23f, c[1]);
    assertEquals(44f, c[2]);
    assertEquals(51f, c[3]);
    Gemm.multiply(2, 2, 2, a, 0, Gemm.rows(2, 2), 1, b, 0, Gemm.rows(2, 2), c, 0, 2, false);
    assertEquals(19f, c[0]);
    assertEquals(50f, c[3]);
  }
}
