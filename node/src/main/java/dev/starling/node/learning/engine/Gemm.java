package dev.starling.node.learning.engine;

/**
 * The engine's one matrix product, {@code C = C0 + A·B}, where every element of C is accumulated
 * in the same order on every machine: {@code c = fma(A(i,k), B(k,j), c)} for k = 0, 1, ... in
 * turn, starting from C's current value (accumulate) or +0. Vector kernels run lanes across
 * independent columns j and never reduce across lanes, so the vector width (SSE, AVX2, AVX-512,
 * NEON) and the choice between vector and scalar code cannot change a bit.
 *
 * <p>Operands are addressed through row tables so that one kernel serves dense layers, transposed
 * operands and convolutions without an im2col copy: {@code A(i,k) = a[aBase + aRows[i] + k*aStep]},
 * {@code B(k,j) = b[bBase + bRows[k] + j]} (each row of B is contiguous), {@code C(i,j) =
 * c[cBase + i*ldc + j]}.
 */
public final class Gemm {
  private Gemm() {}

  /** Vector kernels when the Vector API module is present and FMA is a CPU instruction. */
  public static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && Fma.HARDWARE && !Boolean.getBoolean("starling.engine.scalar");

  /** Floats per vector register of the vector kernels (1 when the scalar kernels run). */
  public static final int LANES = VECTOR ? SimdGemm.lanes() : 1;

  public static void multiply(int m, int n, int k,
      float[] a, int aBase, int[] aRows, int aStep,
      float[] b, int bBase, int[] bRows,
      float[] c, int cBase, int ldc, boolean accumulate) {
    if (VECTOR) {
      SimdGemm.multiply(m, n, k, a, aBase, aRows, aStep, b, bBase, bRows, c, cBase, ldc, accumulate);
    } else {
      scalar(m, n, k, a, aBase, aRows, aStep, b, bBase, bRows, c, cBase, ldc, accumulate, 0, 0);
    }
  }

  /** The reference: columns {@code [j0, n)} of rows {@code [i0, m)}, one element at a time. */
  static void scalar(int m, int n, int k,
      float[] a, int aBase, int[] aRows, int aStep,
      float[] b, int bBase, int[] bRows,
      float[] c, int cBase, int ldc, boolean accumulate, int i0, int j0) {
    for (int i = i0; i < m; i++) {
      int ai = aBase + aRows[i];
      int ci = cBase + i * ldc;
      for (int j = j0; j < n; j++) {
        float acc = accumulate ? c[ci + j] : 0f;
        for (int kk = 0, ak = ai; kk < k; kk++, ak += aStep) {
          acc = Fma.fma(a[ak], b[bBase + bRows[kk] + j], acc);
        }
        c[ci + j] = acc;
      }
    }
  }

  /** Rows {@code 0, step, 2*step, ...}: the row table of a row-major matrix. */
  public static int[] rows(int count, int step) {
    int[] r = new int[count];
    for (int i = 0; i < count; i++) {
      r[i] = i * step;
    }
    return r;
  }

  /** {@code n} rounded up to a whole number of vector registers. */
  public static int padded(int n) {
    return (n + LANES - 1) / LANES * LANES;
  }
}
