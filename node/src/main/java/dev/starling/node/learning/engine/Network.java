package dev.starling.node.learning.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A feed-forward stack of {@link Layer}s ending in logits, trained with softmax cross-entropy.
 * Buffers belong to the layers and are reused, so a training step allocates nothing once the
 * largest batch has been seen.
 */
final class Network {
  private final List<Layer> layers;
  private final List<Param> params = new ArrayList<>();
  private final int classes;
  private final int logitStride;
  private final int numParams;
  private final int slice;
  private float[] dLogits;
  private float[] sliceX = new float[0];
  private final double[] scratch;
  private final float[][] inputs;

  /**
   * @param slice samples that go through the whole network together; a larger batch is processed
   *     in slices of this size, which keeps a convolution's activations in cache (a constant of the
   *     model, never of the machine, so the order of every sum stays fixed)
   */
  Network(List<Layer> layers, int classes, int slice) {
    this.slice = slice;
    this.layers = List.copyOf(layers);
    this.classes = classes;
    this.logitStride = layers.get(layers.size() - 1).outputStride();
    for (int i = 1; i < layers.size(); i++) {
      if (layers.get(i).inputStride() != layers.get(i - 1).outputStride()) {
        throw new IllegalArgumentException("layer " + i + " reads " + layers.get(i).inputStride()
            + " floats per sample, layer " + (i - 1) + " writes " + layers.get(i - 1).outputStride());
      }
    }
    int count = 0;
    for (Layer l : layers) {
      for (Param p : l.params()) {
        params.add(p);
        count += p.size();
      }
    }
    this.numParams = count;
    this.scratch = new double[classes];
    this.inputs = new float[layers.size()][];
  }

  List<Param> params() {
    return params;
  }

  int numParams() {
    return numParams;
  }

  int inputLength() {
    return layers.get(0).inputStride();
  }

  void initialize(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (Layer l : layers) {
      l.initialize(rng);
    }
  }

  /** Logits of samples {@code 0..n-1} ({@link #logitStride} floats each), in a buffer the network owns. */
  float[] forward(float[] x, int n, boolean training) {
    float[] a = x;
    for (int i = 0; i < layers.size(); i++) {
      inputs[i] = a;
      a = layers.get(i).forward(a, n, training);
    }
    return a;
  }

  int logitStride() {
    return logitStride;
  }

  int classes() {
    return classes;
  }

  /** Logits of samples {@code from .. from+m-1} of {@code x} (m at most one slice). */
  float[] forward(float[] x, int from, int m, boolean training) {
    return forward(slice(x, from, m), m, training);
  }

  int slice() {
    return slice;
  }

  /** Samples {@code from .. from+m-1} of {@code x}, where the first layer can read them from sample 0. */
  private float[] slice(float[] x, int from, int m) {
    if (from == 0) {
      return x;
    }
    int len = inputLength();
    if (sliceX.length < m * len) {
      sliceX = new float[m * len];
    }
    System.arraycopy(x, from * len, sliceX, 0, m * len);
    return sliceX;
  }

  /**
   * Forward, loss and backward over the batch, slice by slice: leaves every parameter's gradient
   * of the mean loss in its {@link Param#grad()}; returns the mean loss.
   */
  double lossAndGradients(float[] x, int[] labels, int n) {
    double loss = 0;
    for (int from = 0; from < n; from += slice) {
      int m = Math.min(slice, n - from);
      float[] z = forward(x, from, m, true);
      dLogits = Buffers.fit(dLogits, m * logitStride);
      loss += SoftmaxCrossEntropy.apply(z, logitStride, classes, labels, from, m, n, dLogits, scratch);
      float[] d = dLogits;
      for (int i = layers.size() - 1; i >= 0; i--) {
        d = layers.get(i).backward(inputs[i], d, m, i > 0, from > 0);
      }
    }
    return loss / n;
  }

  /** Summed loss and number correct of samples {@code 0..n-1} with the current parameters. */
  double[] score(float[] x, int[] labels, int n) {
    double loss = 0;
    int correct = 0;
    for (int from = 0; from < n; from += slice) {
      int m = Math.min(slice, n - from);
      float[] z = forward(x, from, m, false);
      for (int s = 0; s < m; s++) {
        if (SoftmaxCrossEntropy.argmax(z, logitStride, classes, s) == labels[from + s]) {
          correct++;
        }
      }
      loss += SoftmaxCrossEntropy.apply(z, logitStride, classes, labels, from, m, n, null, scratch);
    }
    return new double[] {loss, correct};
  }

  long macs() {
    long m = 0;
    for (Layer l : layers) {
      m += l.macs();
    }
    return m;
  }
}
