package dev.starling.node.learning.engine;

import java.util.List;
import java.util.SplittableRandom;

/**
 * 2×2 max pooling with stride 2. Reads a strided input (row and channel strides of the
 * convolution's wide grid) and writes a compact [C][H/2][W/2] output; ties go to the first of the
 * window in row-major order (NaN: the last); an odd last row or column is dropped. The position of each maximum is kept for the backward pass, which
 * writes zeros everywhere else (also on the input's non-output columns, as {@link Conv2d} needs).
 */
final class MaxPool2 implements Layer {
  private final int c;
  private final int ho;
  private final int wo;
  private final int rowStride;
  private final int planeStride;
  private final int inStride;
  private float[] y;
  private int[] arg;
  private float[] dx;

  MaxPool2(int c, int h, int w, int rowStride, int planeStride, int inStride) {
    this.c = c;
    this.ho = h / 2;
    this.wo = w / 2;
    this.rowStride = rowStride;
    this.planeStride = planeStride;
    this.inStride = inStride;
  }

  @Override
  public int inputStride() {
    return inStride;
  }

  @Override
  public int outputStride() {
    return c * ho * wo;
  }

  int channels() {
    return c;
  }

  int outHeight() {
    return ho;
  }

  int outWidth() {
    return wo;
  }

  @Override
  public float[] forward(float[] x, int n, boolean training) {
    int out = outputStride();
    y = Buffers.fit(y, n * out);
    if (training && (arg == null || arg.length < n * out)) {
      arg = new int[n * out];
    }
    int o = 0;
    for (int s = 0; s < n; s++) {
      for (int ch = 0; ch < c; ch++) {
        int base = s * inStride + ch * planeStride;
        for (int r = 0; r < ho; r++) {
          int r0 = base + 2 * r * rowStride;
          int r1 = r0 + rowStride;
          for (int col = 0; col < wo; col++, o++) {
            int i = r0 + 2 * col;
            int j = r1 + 2 * col;
            // The maximum and (training) the first position holding it, without branches on the
            // data: a branch per comparison mispredicts half the time on real activations.
            float m = Math.max(Math.max(x[i], x[i + 1]), Math.max(x[j], x[j + 1]));
            y[o] = m;
            if (training) {
              int hits = (x[i] == m ? 8 : 0) | (x[i + 1] == m ? 4 : 0) | (x[j] == m ? 2 : 0) | 1; // else j + 1 (also NaN)
              int at = Integer.numberOfLeadingZeros(hits) - 28; // 0..3: i, i+1, j, j+1
              arg[o] = i + at + (at >> 1) * (j - i - 2);
            }
          }
        }
      }
    }
    return y;
  }

  @Override
  public float[] backward(float[] x, float[] dy, int n, boolean inputGrad, boolean accumulate) {
    if (!inputGrad) {
      return null;
    }
    dx = Buffers.fit(dx, n * inStride);
    java.util.Arrays.fill(dx, 0, n * inStride, 0f);
    int total = n * outputStride();
    for (int o = 0; o < total; o++) {
      dx[arg[o]] = dy[o];
    }
    return dx;
  }

  @Override
  public List<Param> params() {
    return List.of();
  }

  @Override
  public void initialize(SplittableRandom rng) {}

  @Override
  public long macs() {
    return 0;
  }
}
