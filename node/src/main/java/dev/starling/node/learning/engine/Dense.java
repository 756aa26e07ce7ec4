package dev.starling.node.learning.engine;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A fully connected layer {@code y = x·Wᵀ + b}, optionally followed by ReLU. Internally W is kept
 * as [in][outPad] (rows of outputs, padded to whole vectors);
 * in the flat vector it is [out][in] then b[out], as PyTorch's {@code nn.Linear} stores it.
 */
final class Dense implements Layer {
  private final int in;
  private final int inStride;
  private final int out;
  private final int outPad;
  private final int inPad;
  private final boolean relu;
  private final float[] w;
  private final float[] b;
  private final float[] gw;
  private final float[] gb;
  private final List<Param> params;
  private final int[] wRows;
  private final int[] wtRows;
  private final int[] inCols;
  private final float[] wt;
  private float[] y;
  private float[] dx;
  private int[] xRows = new int[0];
  private int[] yRows = new int[0];

  /**
   * @param in input features per sample
   * @param inStride floats between samples in the input (≥ in)
   */
  Dense(int in, int inStride, int out, boolean relu) {
    this.in = in;
    this.inStride = inStride;
    this.out = out;
    this.outPad = Gemm.padded(out);
    this.inPad = Gemm.padded(in);
    this.relu = relu;
    Param pw = Param.weights(out, in, outPad);
    Param pb = Param.bias(out, outPad);
    this.params = List.of(pw, pb);
    this.w = pw.value();
    this.gw = pw.grad();
    this.b = pb.value();
    this.gb = pb.grad();
    this.wRows = Gemm.rows(in, outPad);
    this.wtRows = Gemm.rows(out, inPad);
    this.inCols = Gemm.rows(in, 1);
    this.wt = new float[out * inPad];
  }

  @Override
  public int inputStride() {
    return inStride;
  }

  @Override
  public int outputStride() {
    return outPad;
  }

  private void fit(int n) {
    if (xRows.length < n) {
      xRows = Gemm.rows(n, inStride);
      yRows = Gemm.rows(n, outPad);
    }
    y = Buffers.fit(y, n * outPad);
  }

  @Override
  public float[] forward(float[] x, int n, boolean training) {
    fit(n);
    for (int s = 0; s < n; s++) {
      System.arraycopy(b, 0, y, s * outPad, outPad);
    }
    Gemm.multiply(n, outPad, in, x, 0, xRows, 1, w, 0, wRows, y, 0, outPad, true);
    if (relu) {
      Activations.relu(y, n * outPad);
    }
    return y;
  }

  @Override
  public float[] backward(float[] x, float[] dy, int n, boolean inputGrad, boolean accumulate) {
    if (relu) {
      Activations.reluGrad(y, dy, n * outPad);
    }
    // dW[i][o] = sum over samples of x[s][i] * dy[s][o]; A = xᵀ read with a stride.
    Gemm.multiply(in, outPad, n, x, 0, inCols, inStride, dy, 0, yRows, gw, 0, outPad, accumulate);
    if (!accumulate) {
      java.util.Arrays.fill(gb, 0f);
    }
    for (int s = 0; s < n; s++) {
      int ys = s * outPad;
      for (int o = 0; o < outPad; o++) {
        gb[o] += dy[ys + o];
      }
    }
    if (!inputGrad) {
      return null;
    }
    for (int i = 0; i < in; i++) {
      int wi = i * outPad;
      for (int o = 0; o < out; o++) {
        wt[o * inPad + i] = w[wi + o];
      }
    }
    dx = Buffers.fit(dx, n * inStride);
    Gemm.multiply(n, in, out, dy, 0, yRows, 1, wt, 0, wtRows, dx, 0, inStride, false);
    return dx;
  }

  @Override
  public List<Param> params() {
    return params;
  }

  @Override
  public void initialize(SplittableRandom rng) {
    for (Param q : params) {
      q.initUniform(rng, in);
    }
  }

  @Override
  public long macs() {
    return (long) in * out;
  }
}
