package dev.starling.node.learning.engine;

import java.util.List;
import java.util.SplittableRandom;

/**
 * 2×2 max pooling with stride 2. Reads a strided input (row and channel strides of the
 * convolution's wide grid) and writes a compact [C][H/2][W/2] output; ties go to the first of the
 * window in row-major order; an odd last row or column is dropped. The position of each maximum is kept for the backward pass, which
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
  public float[] forward(float[] x, int n) {
    int out = outputStride();
    y = Buffers.fit(y, n * out);
    if (arg == null || arg.length < n * out) {
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
            int best = i;
            float m = x[i];
            if (x[i + 1] > m) {
              m = x[i + 1];
              best = i + 1;
            }
            int j = r1 + 2 * col;
            if (x[j] > m) {
              m = x[j];
              best = j;
            }
            if (x[j + 1] > m) {
              m = x[j + 1];
              best = j + 1;
            }
            y[o] = m;
            arg[o] = best;
          }
        }
      }
    }
    return y;
  }

  @Override
  public float[] backward(float[] x, float[] dy, int n, boolean inputGrad) {
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
