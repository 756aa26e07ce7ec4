package dev.starling.node.learning.engine;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A 2-D convolution (stride 1, square kernel, zero padding), optionally followed by ReLU, computed
 * without an im2col copy: the input is copied once into a zero-padded plane per channel with row
 * stride {@code Wp = W + 2·pad}, so every kernel tap (ci, ky, kx) is a contiguous row of B starting
 * at {@code ci·plane + ky·Wp + kx}, and the output is computed on the "wide" grid of Hout rows of
 * Wp columns, whose last {@code k - 1} columns of each row are not outputs (they are ignored and
 * their gradients are zero). Backward: dW from the same implicit rows against the transposed
 * output gradient, dX as the convolution of the zero-padded output gradient with the flipped
 * kernel.
 *
 * <p>Input: [C][H][W] per sample, compact. Output: [Cout][P] per sample, P = Hout·Wp rounded up to
 * whole vectors; (co, y, x) at {@code co·P + y·Wp + x}. Flat parameters: W[Cout][Cin][k][k] then b[Cout], as
 * PyTorch's {@code nn.Conv2d}. Internally W is [Cin·k·k][CoutPad].
 */
final class Conv2d implements Layer {
  private final int cin;
  private final int h;
  private final int wd;
  private final int cout;
  private final int coutPad;
  private final int k;
  private final int pad;
  private final boolean relu;
  private final int hp;
  private final int wp;
  private final int hout;
  private final int wout;
  private final int taps;
  /** Output columns per channel on the wide grid. */
  private final int p;
  /** Floats per padded input plane. */
  private final int plane;
  /** Input-gradient grid (padded input positions) per channel, and its zero-led output-gradient plane. */
  private final int gridCols;
  private final int lead;
  private final int dPlane;
  private final float[] w;
  private final float[] b;
  private final float[] gw;
  private final float[] gb;
  private final List<Param> params;
  private final int[] tapRows;
  private final int[] coutRows;
  private final int[] qRows;
  private final int[] flipRows;
  private final int[] cinRows;
  private final float[] wFlip;
  private float[] xp;
  private float[] y;
  private float[] dyT;
  private float[] dyPad;
  private float[] grid;
  private float[] dx;

  Conv2d(int cin, int h, int w, int cout, int k, int pad, boolean relu) {
    this.cin = cin;
    this.h = h;
    this.wd = w;
    this.cout = cout;
    this.coutPad = Gemm.padded(cout);
    this.k = k;
    this.pad = pad;
    this.relu = relu;
    this.hp = h + 2 * pad;
    this.wp = w + 2 * pad;
    this.hout = hp - k + 1;
    this.wout = wp - k + 1;
    this.taps = cin * k * k;
    this.p = Gemm.padded(hout * wp);
    int reach = (k - 1) * wp + (k - 1);
    this.plane = Gemm.padded(Math.max(hp * wp, reach + p));
    this.gridCols = Gemm.padded(hp * wp);
    this.lead = reach;
    this.dPlane = Gemm.padded(lead + gridCols);
    Param pw = Param.weights(cout, taps, coutPad);
    Param pb = Param.bias(cout, coutPad);
    this.params = List.of(pw, pb);
    this.w = pw.value();
    this.gw = pw.grad();
    this.b = pb.value();
    this.gb = pb.grad();
    this.tapRows = new int[taps];
    for (int ci = 0; ci < cin; ci++) {
      for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
          tapRows[(ci * k + ky) * k + kx] = ci * plane + ky * wp + kx;
        }
      }
    }
    this.coutRows = Gemm.rows(cout, 1);
    this.qRows = Gemm.rows(p, coutPad);
    int fan = cout * k * k;
    this.flipRows = new int[fan];
    for (int co = 0; co < cout; co++) {
      for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
          flipRows[(co * k + ky) * k + kx] = co * dPlane + lead - (ky * wp + kx);
        }
      }
    }
    this.cinRows = Gemm.rows(cin, fan);
    this.wFlip = new float[cin * fan];
  }

  @Override
  public int inputStride() {
    return cin * h * wd;
  }

  @Override
  public int outputStride() {
    return cout * p;
  }

  int outHeight() {
    return hout;
  }

  int outWidth() {
    return wout;
  }

  /** Row stride of the output grid. */
  int outRowStride() {
    return wp;
  }

  /** Floats per output channel. */
  int outPlane() {
    return p;
  }

  @Override
  public float[] forward(float[] x, int n, boolean training) {
    int inSample = cin * plane;
    if (xp == null || xp.length < n * inSample) {
      xp = new float[n * inSample]; // padding stays zero: only the interior is ever written
    }
    y = Buffers.fit(y, n * cout * p);
    int inStride = inputStride();
    for (int s = 0; s < n; s++) {
      for (int ci = 0; ci < cin; ci++) {
        int src = s * inStride + ci * h * wd;
        int dst = s * inSample + ci * plane + pad * wp + pad;
        for (int r = 0; r < h; r++) {
          System.arraycopy(x, src + r * wd, xp, dst + r * wp, wd);
        }
      }
    }
    for (int s = 0; s < n; s++) {
      int ys = s * cout * p;
      for (int co = 0; co < cout; co++) {
        java.util.Arrays.fill(y, ys + co * p, ys + (co + 1) * p, b[co]);
      }
      Gemm.multiply(cout, p, taps, w, 0, coutRows, coutPad, xp, s * inSample, tapRows, y, ys, p, true);
    }
    if (relu) {
      Activations.relu(y, n * cout * p);
    }
    return y;
  }

  @Override
  public float[] backward(float[] x, float[] dy, int n, boolean inputGrad, boolean accumulate) {
    if (relu) {
      Activations.reluGrad(y, dy, n * cout * p);
    }
    int inSample = cin * plane;
    dyT = Buffers.fit(dyT, p * coutPad);
    if (!accumulate) {
      java.util.Arrays.fill(gb, 0f);
    }
    for (int s = 0; s < n; s++) {
      int ys = s * cout * p;
      for (int co = 0; co < cout; co++) {
        int row = ys + co * p;
        for (int q = 0; q < p; q++) {
          dyT[q * coutPad + co] = dy[row + q];
        }
      }
      for (int q = 0; q < p; q++) {
        int r = q * coutPad;
        for (int co = 0; co < coutPad; co++) {
          gb[co] += dyT[r + co];
        }
      }
      // dW[t][co] += sum over q of x(t, q) * dy[co][q]: A = the implicit tap rows of the input.
      Gemm.multiply(taps, coutPad, p, xp, s * inSample, tapRows, 1, dyT, 0, qRows, gw, 0, coutPad, accumulate || s > 0);
    }
    if (!inputGrad) {
      return null;
    }
    int fan = cout * k * k;
    for (int ci = 0; ci < cin; ci++) {
      for (int co = 0; co < cout; co++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++) {
            wFlip[ci * fan + (co * k + ky) * k + kx] = w[((ci * k + ky) * k + kx) * coutPad + co];
          }
        }
      }
    }
    if (dyPad == null) {
      dyPad = new float[cout * dPlane]; // outside [lead, lead + p) it stays zero
    }
    grid = Buffers.fit(grid, cin * gridCols);
    dx = Buffers.fit(dx, n * inputStride());
    int inStride = inputStride();
    int[] gridRows = cinRows;
    for (int s = 0; s < n; s++) {
      int ys = s * cout * p;
      for (int co = 0; co < cout; co++) {
        System.arraycopy(dy, ys + co * p, dyPad, co * dPlane + lead, p);
      }
      Gemm.multiply(cin, gridCols, fan, wFlip, 0, gridRows, 1, dyPad, 0, flipRows, grid, 0, gridCols, false);
      for (int ci = 0; ci < cin; ci++) {
        int src = ci * gridCols + pad * wp + pad;
        int dst = s * inStride + ci * h * wd;
        for (int r = 0; r < h; r++) {
          System.arraycopy(grid, src + r * wp, dx, dst + r * wd, wd);
        }
      }
    }
    return dx;
  }

  @Override
  public List<Param> params() {
    return params;
  }

  @Override
  public void initialize(SplittableRandom rng) {
    for (Param q : params) {
      q.initUniform(rng, taps);
    }
  }

  @Override
  public long macs() {
    return (long) hout * wout * cout * taps;
  }
}
