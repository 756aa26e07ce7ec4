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
  private float[] dLogits;
  private final double[] scratch;
  private final float[][] inputs;

  Network(List<Layer> layers, int classes) {
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
  float[] forward(float[] x, int n) {
    float[] a = x;
    for (int i = 0; i < layers.size(); i++) {
      inputs[i] = a;
      a = layers.get(i).forward(a, n);
    }
    return a;
  }

  int logitStride() {
    return logitStride;
  }

  int classes() {
    return classes;
  }

  /** Forward, loss and backward: leaves every parameter's gradient in its {@link Param#grad()}. */
  double lossAndGradients(float[] x, int[] labels, int n) {
    float[] z = forward(x, n);
    dLogits = Buffers.fit(dLogits, n * logitStride);
    double loss = SoftmaxCrossEntropy.apply(z, logitStride, classes, labels, n, dLogits, scratch);
    float[] d = dLogits;
    for (int i = layers.size() - 1; i >= 0; i--) {
      d = layers.get(i).backward(inputs[i], d, n, i > 0);
    }
    return loss;
  }

  /** Mean loss and number correct of samples {@code 0..n-1} with the current parameters. */
  double[] score(float[] x, int[] labels, int n) {
    float[] z = forward(x, n);
    int correct = 0;
    for (int s = 0; s < n; s++) {
      if (SoftmaxCrossEntropy.argmax(z, logitStride, classes, s) == labels[s]) {
        correct++;
      }
    }
    return new double[] {SoftmaxCrossEntropy.apply(z, logitStride, classes, labels, n, null, scratch), correct};
  }

  long macs() {
    long m = 0;
    for (Layer l : layers) {
      m += l.macs();
    }
    return m;
  }
}
