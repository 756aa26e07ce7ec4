package dev.starling.node.learning.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link Gemm}. Register tiles of up to 4 rows by 3 vectors (12 accumulators,
 * which with the 3 loaded B vectors and one broadcast fit the 16 registers of AVX2); the k range is
 * cut into blocks of {@value #KC} so that a panel of B stays in L1 while every row tile uses it,
 * and C carries the running sums between blocks (stored and reloaded as float32, so the order of
 * the multiply-adds of every element is unchanged). Columns beyond the last whole vector go to the
 * scalar reference. The tiles are written out (generated once, by hand-checked template) because
 * C2 keeps only named locals in registers. Loaded only when the Vector API module is present.
 */
final class SimdGemm {
  private SimdGemm() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Rows of B per block: 256 rows of a 3-vector panel are 24 KiB at AVX2 width. */
  static final int KC = 256;

  static int lanes() {
    return L;
  }

  static void multiply(int m, int n, int k,
      float[] a, int aBase, int[] aRows, int aStep,
      float[] b, int bBase, int[] bRows,
      float[] c, int cBase, int ldc, boolean accumulate) {
    int nv = n / L * L;
    for (int k0 = 0; k0 < k || k0 == 0; k0 += KC) {
      int k1 = Math.min(k, k0 + KC);
      boolean acc = accumulate || k0 > 0;
      for (int j = 0; j < nv; ) {
        int w = Math.min(3, (nv - j) / L);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
          int a0 = aBase + aRows[i];
          int a1 = aBase + aRows[i + 1];
          int a2 = aBase + aRows[i + 2];
          int a3 = aBase + aRows[i + 3];
          int ci = cBase + i * ldc + j;
          int bb = bBase + j;
          switch (w) {
            case 3 -> tile4x3(k0, k1, a, a0, a1, a2, a3, aStep, b, bb, bRows, c, ci, ldc, acc);
            case 2 -> tile4x2(k0, k1, a, a0, a1, a2, a3, aStep, b, bb, bRows, c, ci, ldc, acc);
            default -> tile4x1(k0, k1, a, a0, a1, a2, a3, aStep, b, bb, bRows, c, ci, ldc, acc);
          }
        }
        for (; i < m; i++) {
          int a0 = aBase + aRows[i];
          int ci = cBase + i * ldc + j;
          int bb = bBase + j;
          switch (w) {
            case 3 -> tile1x3(k0, k1, a, a0, aStep, b, bb, bRows, c, ci, ldc, acc);
            case 2 -> tile1x2(k0, k1, a, a0, aStep, b, bb, bRows, c, ci, ldc, acc);
            default -> tile1x1(k0, k1, a, a0, aStep, b, bb, bRows, c, ci, ldc, acc);
          }
        }
        j += w * L;
      }
      if (k0 + KC >= k) {
        break;
      }
    }
    if (nv < n) {
      Gemm.scalar(m, n, k, a, aBase, aRows, aStep, b, bBase, bRows, c, cBase, ldc, accumulate, 0, nv);
    }
  }

  private static FloatVector init(float[] c, int off, boolean acc) {
    return acc ? FloatVector.fromArray(S, c, off) : FloatVector.zero(S);
  }

  private static void tile4x3(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s02 = init(c, c0 + 2 * L, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s11 = init(c, c1 + L, acc);
    FloatVector s12 = init(c, c1 + 2 * L, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s21 = init(c, c2 + L, acc);
    FloatVector s22 = init(c, c2 + 2 * L, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s31 = init(c, c3 + L, acc);
    FloatVector s32 = init(c, c3 + 2 * L, acc);
    for (int kk = k0, ak = k0 * as; kk < k1; kk++, ak += as) {
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      s01 = b1.fma(x, s01);
      s02 = b2.fma(x, s02);
      x = FloatVector.broadcast(S, a[a1 + ak]);
      s10 = b0.fma(x, s10);
      s11 = b1.fma(x, s11);
      s12 = b2.fma(x, s12);
      x = FloatVector.broadcast(S, a[a2 + ak]);
      s20 = b0.fma(x, s20);
      s21 = b1.fma(x, s21);
      s22 = b2.fma(x, s22);
      x = FloatVector.broadcast(S, a[a3 + ak]);
      s30 = b0.fma(x, s30);
      s31 = b1.fma(x, s31);
      s32 = b2.fma(x, s32);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s02.intoArray(c, c0 + 2 * L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s12.intoArray(c, c1 + 2 * L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
    s22.intoArray(c, c2 + 2 * L);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + L);
    s32.intoArray(c, c3 + 2 * L);
  }

  private static void tile4x2(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s11 = init(c, c1 + L, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s21 = init(c, c2 + L, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s31 = init(c, c3 + L, acc);
    for (int kk = k0, ak = k0 * as; kk < k1; kk++, ak += as) {
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      s01 = b1.fma(x, s01);
      x = FloatVector.broadcast(S, a[a1 + ak]);
      s10 = b0.fma(x, s10);
      s11 = b1.fma(x, s11);
      x = FloatVector.broadcast(S, a[a2 + ak]);
      s20 = b0.fma(x, s20);
      s21 = b1.fma(x, s21);
      x = FloatVector.broadcast(S, a[a3 + ak]);
      s30 = b0.fma(x, s30);
      s31 = b1.fma(x, s31);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + L);
  }

  private static void tile4x1(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s30 = init(c, c3, acc);
    for (int kk = k0, ak = k0 * as; kk < k1; kk++, ak += as) {
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      x = FloatVector.broadcast(S, a[a1 + ak]);
      s10 = b0.fma(x, s10);
      x = FloatVector.broadcast(S, a[a2 + ak]);
      s20 = b0.fma(x, s20);
      x = FloatVector.broadcast(S, a[a3 + ak]);
      s30 = b0.fma(x, s30);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
    s20.intoArray(c, c2);
    s30.intoArray(c, c3);
  }

  private static void tile1x3(int k0, int k1, float[] a, int a0, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s02 = init(c, c0 + 2 * L, acc);
    for (int kk = k0, ak = k0 * as; kk < k1; kk++, ak += as) {
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      s01 = b1.fma(x, s01);
      s02 = b2.fma(x, s02);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s02.intoArray(c, c0 + 2 * L);
  }

  private static void tile1x2(int k0, int k1, float[] a, int a0, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    for (int kk = k0, ak = k0 * as; kk < k1; kk++, ak += as) {
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      s01 = b1.fma(x, s01);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
  }

  private static void tile1x1(int k0, int k1, float[] a, int a0, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    FloatVector s00 = init(c, c0, acc);
    for (int kk = k0, ak = k0 * as; kk < k1; kk++, ak += as) {
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
    }
    s00.intoArray(c, c0);
  }
}
