package dev.starling.node.learning.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link Gemm}: register tiles of 6 rows by 2 vectors (12 accumulators, which
 * with 2 loaded B vectors and one broadcast fit the 16 registers of AVX2), 4 by 3 where the rows
 * divide by 4 but not 6, and 8 by 1 for a last single vector of columns (shapes measured against
 * each other: BENCHMARKS.md, "Training engine"). The k range is cut into even blocks of at most
 * {@value #KC} so that a panel of B stays in cache while every row tile uses it; C carries the
 * running sums between blocks (stored and reloaded as float32, so the order of the multiply-adds
 * of every element is unchanged). Columns beyond the last whole vector go to the scalar reference.
 * The tiles are spelled out (generated from one template) because C2 keeps only named locals in
 * registers. Loaded only when the Vector API module is present.
 */
final class SimdGemm {
  private SimdGemm() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Most rows of B per block: 256 rows of a 3-vector panel are 24 KiB at AVX2 width. */
  static final int KC = 256;
  private static final int[] ROWS = {0, 8, 6, 4};

  static int lanes() {
    return L;
  }

  static void multiply(int m, int n, int k,
      float[] a, int aBase, int[] aRows, int aStep,
      float[] b, int bBase, int[] bRows,
      float[] c, int cBase, int ldc, boolean accumulate) {
    int nv = n / L * L;
    // Panels of 3 vectors where the rows divide by 4 but not 6, else of 2; a panel of w vectors
    // goes in tiles of ROWS[w] rows (4 x 3, 6 x 2, 8 x 1: at most 12 accumulators).
    int maxW = nv / L >= 3 && m % 4 == 0 && m % 6 != 0 ? 3 : 2;
    int blocks = Math.max(1, (k + KC - 1) / KC);
    int kc = (k + blocks - 1) / blocks; // even blocks: no short last block
    for (int k0 = 0; ; k0 += kc) {
      int k1 = Math.min(k, k0 + kc);
      boolean acc = accumulate || k0 > 0;
      for (int j = 0; j < nv; ) {
        int w = Math.min(maxW, (nv - j) / L);
        int rowStep = ROWS[w];
        for (int i = 0; i < m; i += rowStep) {
          tile(Math.min(rowStep, m - i), w, k0, k1, a, aBase, aRows, i, aStep, b, bBase + j, bRows, c,
              cBase + i * ldc + j, ldc, acc);
        }
        j += w * L;
      }
      if (k1 >= k) {
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

  /** One register tile: {@code rows} rows from i, {@code w} vectors of columns; see {@link #multiply}. */
  private static void tile(int rows, int w, int k0, int k1, float[] a, int aBase, int[] aRows, int i, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    switch (rows) {
      case 1 -> {
        int a0 = aBase + aRows[i + 0];
        switch (w) {
          case 2 -> tile1x2(k0, k1, a, a0, as, b, bb, bRows, c, c0, ldc, acc);
          default -> tile1x1(k0, k1, a, a0, as, b, bb, bRows, c, c0, ldc, acc);
        }
      }
      case 2 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        switch (w) {
          case 2 -> tile2x2(k0, k1, a, a0, a1, as, b, bb, bRows, c, c0, ldc, acc);
          default -> tile2x1(k0, k1, a, a0, a1, as, b, bb, bRows, c, c0, ldc, acc);
        }
      }
      case 3 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        int a2 = aBase + aRows[i + 2];
        switch (w) {
          case 2 -> tile3x2(k0, k1, a, a0, a1, a2, as, b, bb, bRows, c, c0, ldc, acc);
          default -> tile3x1(k0, k1, a, a0, a1, a2, as, b, bb, bRows, c, c0, ldc, acc);
        }
      }
      case 4 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        int a2 = aBase + aRows[i + 2];
        int a3 = aBase + aRows[i + 3];
        switch (w) {
          case 3 -> tile4x3(k0, k1, a, a0, a1, a2, a3, as, b, bb, bRows, c, c0, ldc, acc);
          case 2 -> tile4x2(k0, k1, a, a0, a1, a2, a3, as, b, bb, bRows, c, c0, ldc, acc);
          default -> tile4x1(k0, k1, a, a0, a1, a2, a3, as, b, bb, bRows, c, c0, ldc, acc);
        }
      }
      case 5 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        int a2 = aBase + aRows[i + 2];
        int a3 = aBase + aRows[i + 3];
        int a4 = aBase + aRows[i + 4];
        switch (w) {
          case 2 -> tile5x2(k0, k1, a, a0, a1, a2, a3, a4, as, b, bb, bRows, c, c0, ldc, acc);
          default -> tile5x1(k0, k1, a, a0, a1, a2, a3, a4, as, b, bb, bRows, c, c0, ldc, acc);
        }
      }
      case 6 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        int a2 = aBase + aRows[i + 2];
        int a3 = aBase + aRows[i + 3];
        int a4 = aBase + aRows[i + 4];
        int a5 = aBase + aRows[i + 5];
        switch (w) {
          case 2 -> tile6x2(k0, k1, a, a0, a1, a2, a3, a4, a5, as, b, bb, bRows, c, c0, ldc, acc);
          default -> tile6x1(k0, k1, a, a0, a1, a2, a3, a4, a5, as, b, bb, bRows, c, c0, ldc, acc);
        }
      }
      case 7 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        int a2 = aBase + aRows[i + 2];
        int a3 = aBase + aRows[i + 3];
        int a4 = aBase + aRows[i + 4];
        int a5 = aBase + aRows[i + 5];
        int a6 = aBase + aRows[i + 6];
        tile7x1(k0, k1, a, a0, a1, a2, a3, a4, a5, a6, as, b, bb, bRows, c, c0, ldc, acc);
      }
      case 8 -> {
        int a0 = aBase + aRows[i + 0];
        int a1 = aBase + aRows[i + 1];
        int a2 = aBase + aRows[i + 2];
        int a3 = aBase + aRows[i + 3];
        int a4 = aBase + aRows[i + 4];
        int a5 = aBase + aRows[i + 5];
        int a6 = aBase + aRows[i + 6];
        int a7 = aBase + aRows[i + 7];
        tile8x1(k0, k1, a, a0, a1, a2, a3, a4, a5, a6, a7, as, b, bb, bRows, c, c0, ldc, acc);
      }
      default -> throw new IllegalArgumentException("rows " + rows);
    }
  }

  private static void tile8x1(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    int c6 = c5 + ldc;
    int c7 = c6 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s40 = init(c, c4, acc);
    FloatVector s50 = init(c, c5, acc);
    FloatVector s60 = init(c, c6, acc);
    FloatVector s70 = init(c, c7, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
      x = FloatVector.broadcast(S, a[a4 + ak]);
      s40 = b0.fma(x, s40);
      x = FloatVector.broadcast(S, a[a5 + ak]);
      s50 = b0.fma(x, s50);
      x = FloatVector.broadcast(S, a[a6 + ak]);
      s60 = b0.fma(x, s60);
      x = FloatVector.broadcast(S, a[a7 + ak]);
      s70 = b0.fma(x, s70);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
    s20.intoArray(c, c2);
    s30.intoArray(c, c3);
    s40.intoArray(c, c4);
    s50.intoArray(c, c5);
    s60.intoArray(c, c6);
    s70.intoArray(c, c7);
  }

  private static void tile7x1(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    int c6 = c5 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s40 = init(c, c4, acc);
    FloatVector s50 = init(c, c5, acc);
    FloatVector s60 = init(c, c6, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
      x = FloatVector.broadcast(S, a[a4 + ak]);
      s40 = b0.fma(x, s40);
      x = FloatVector.broadcast(S, a[a5 + ak]);
      s50 = b0.fma(x, s50);
      x = FloatVector.broadcast(S, a[a6 + ak]);
      s60 = b0.fma(x, s60);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
    s20.intoArray(c, c2);
    s30.intoArray(c, c3);
    s40.intoArray(c, c4);
    s50.intoArray(c, c5);
    s60.intoArray(c, c6);
  }

  private static void tile6x2(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s11 = init(c, c1 + L, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s21 = init(c, c2 + L, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s31 = init(c, c3 + L, acc);
    FloatVector s40 = init(c, c4, acc);
    FloatVector s41 = init(c, c4 + L, acc);
    FloatVector s50 = init(c, c5, acc);
    FloatVector s51 = init(c, c5 + L, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
      x = FloatVector.broadcast(S, a[a4 + ak]);
      s40 = b0.fma(x, s40);
      s41 = b1.fma(x, s41);
      x = FloatVector.broadcast(S, a[a5 + ak]);
      s50 = b0.fma(x, s50);
      s51 = b1.fma(x, s51);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + L);
    s40.intoArray(c, c4);
    s41.intoArray(c, c4 + L);
    s50.intoArray(c, c5);
    s51.intoArray(c, c5 + L);
  }

  private static void tile6x1(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s40 = init(c, c4, acc);
    FloatVector s50 = init(c, c5, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
      x = FloatVector.broadcast(S, a[a4 + ak]);
      s40 = b0.fma(x, s40);
      x = FloatVector.broadcast(S, a[a5 + ak]);
      s50 = b0.fma(x, s50);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
    s20.intoArray(c, c2);
    s30.intoArray(c, c3);
    s40.intoArray(c, c4);
    s50.intoArray(c, c5);
  }

  private static void tile5x2(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int a4, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s11 = init(c, c1 + L, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s21 = init(c, c2 + L, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s31 = init(c, c3 + L, acc);
    FloatVector s40 = init(c, c4, acc);
    FloatVector s41 = init(c, c4 + L, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
      x = FloatVector.broadcast(S, a[a4 + ak]);
      s40 = b0.fma(x, s40);
      s41 = b1.fma(x, s41);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + L);
    s40.intoArray(c, c4);
    s41.intoArray(c, c4 + L);
  }

  private static void tile5x1(int k0, int k1, float[] a, int a0, int a1, int a2, int a3, int a4, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s30 = init(c, c3, acc);
    FloatVector s40 = init(c, c4, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
      x = FloatVector.broadcast(S, a[a4 + ak]);
      s40 = b0.fma(x, s40);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
    s20.intoArray(c, c2);
    s30.intoArray(c, c3);
    s40.intoArray(c, c4);
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
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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

  private static void tile3x2(int k0, int k1, float[] a, int a0, int a1, int a2, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s11 = init(c, c1 + L, acc);
    FloatVector s20 = init(c, c2, acc);
    FloatVector s21 = init(c, c2 + L, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
  }

  private static void tile3x1(int k0, int k1, float[] a, int a0, int a1, int a2, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s20 = init(c, c2, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      x = FloatVector.broadcast(S, a[a1 + ak]);
      s10 = b0.fma(x, s10);
      x = FloatVector.broadcast(S, a[a2 + ak]);
      s20 = b0.fma(x, s20);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
    s20.intoArray(c, c2);
  }

  private static void tile2x2(int k0, int k1, float[] a, int a0, int a1, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    FloatVector s10 = init(c, c1, acc);
    FloatVector s11 = init(c, c1 + L, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      s01 = b1.fma(x, s01);
      x = FloatVector.broadcast(S, a[a1 + ak]);
      s10 = b0.fma(x, s10);
      s11 = b1.fma(x, s11);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
  }

  private static void tile2x1(int k0, int k1, float[] a, int a0, int a1, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    FloatVector s00 = init(c, c0, acc);
    FloatVector s10 = init(c, c1, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
      x = FloatVector.broadcast(S, a[a1 + ak]);
      s10 = b0.fma(x, s10);
    }
    s00.intoArray(c, c0);
    s10.intoArray(c, c1);
  }

  private static void tile1x2(int k0, int k1, float[] a, int a0, int as,
      float[] b, int bb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    FloatVector s00 = init(c, c0, acc);
    FloatVector s01 = init(c, c0 + L, acc);
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
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
    for (int kk = k0; kk < k1; kk++) {
      int ak = kk * as;
      int bo = bb + bRows[kk];
      FloatVector b0 = FloatVector.fromArray(S, b, bo);
      FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
      s00 = b0.fma(x, s00);
    }
    s00.intoArray(c, c0);
  }
}
