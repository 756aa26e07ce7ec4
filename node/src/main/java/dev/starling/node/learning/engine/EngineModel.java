package dev.starling.node.learning.engine;

import dev.starling.node.data.Dataset;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.learning.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in models (logistic regression, MLP, LeNet-5-style CNN) on Starling's own training
 * engine: pure Java, vectorized with the Vector API where the CPU has FMA, no native code. Every
 * float it produces is the same on every machine (see {@link Gemm}), and it is several times faster
 * than DL4J for these small networks (BENCHMARKS.md, "Training engine").
 *
 * <p>Flat parameter layout, per layer in order: the weight tensor then the bias, as PyTorch stores
 * them (dense W[out][in], conv W[cout][cin][k][k]). Initialisation is PyTorch's default,
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn in flat order from the seed.
 */
public final class EngineModel implements Model {
  private static final int EVAL_BATCH = 64;

  private final ModelSpec spec;
  private final Network net;
  private final Optimizer optimizer;
  private final List<Param> params;
  private final int[] offsets;
  private float[] evalX = new float[0];
  private int[] evalY = new int[0];

  public EngineModel(ModelSpec spec, TrainingConfig training, long seed) {
    this.spec = spec;
    this.net = build(spec);
    this.optimizer = Optimizer.of(training);
    this.params = net.params();
    this.offsets = new int[params.size()];
    int off = 0;
    for (int i = 0; i < params.size(); i++) {
      offsets[i] = off;
      off += params.get(i).size();
    }
    net.initialize(seed);
  }

  /** The layers of a spec, as {@link ModelSpec} describes them. */
  static Network build(ModelSpec spec) {
    List<Layer> layers = new ArrayList<>();
    int in = spec.inputLength();
    int stride = in;
    switch (spec.type()) {
      case LOGREG -> { }
      case MLP -> {
        for (int hdn : spec.hidden()) {
          Dense d = new Dense(in, stride, hdn, true);
          layers.add(d);
          in = hdn;
          stride = d.outputStride();
        }
      }
      case CNN -> {
        int[] shape = spec.inputShape();
        Conv2d c1 = new Conv2d(shape[0], shape[1], shape[2], 6, 5, 2, true);
        MaxPool2 p1 = new MaxPool2(6, c1.outHeight(), c1.outWidth(), c1.outRowStride(), c1.outPlane(), c1.outputStride());
        Conv2d c2 = new Conv2d(6, p1.outHeight(), p1.outWidth(), 16, 5, 0, true);
        MaxPool2 p2 = new MaxPool2(16, c2.outHeight(), c2.outWidth(), c2.outRowStride(), c2.outPlane(), c2.outputStride());
        layers.add(c1);
        layers.add(p1);
        layers.add(c2);
        layers.add(p2);
        in = p2.outputStride();
        Dense d1 = new Dense(in, in, 120, true);
        Dense d2 = new Dense(120, d1.outputStride(), 84, true);
        layers.add(d1);
        layers.add(d2);
        in = 84;
        stride = d2.outputStride();
      }
    }
    layers.add(new Dense(in, stride, spec.numClasses(), false));
    // Convolutions go 8 samples at a time (their activations then stay in L2); dense networks
    // take the whole batch, where larger matrix products are faster.
    return new Network(layers, spec.numClasses(), spec.type() == ModelSpec.Type.CNN ? 8 : Integer.MAX_VALUE);
  }

  /**
   * Which kernels this JVM runs, for provenance: they differ in speed only, never in results
   * ("vector, 8 lanes, hardware FMA" or "scalar, emulated FMA").
   */
  public static String kernels() {
    return (Gemm.VECTOR ? "vector, " + Gemm.LANES + " lanes" : "scalar") + ", "
        + (Fma.HARDWARE ? "hardware" : "emulated") + " FMA";
  }

  public ModelSpec spec() {
    return spec;
  }

  @Override
  public int numParams() {
    return net.numParams();
  }

  @Override
  public void copyParams(float[] dst) {
    checkLength(dst);
    for (int i = 0; i < params.size(); i++) {
      params.get(i).export(dst, offsets[i]);
    }
  }

  @Override
  public void setParams(float[] src) {
    checkLength(src);
    for (int i = 0; i < params.size(); i++) {
      params.get(i).load(src, offsets[i]);
    }
  }

  @Override
  public void resetOptimizer() {
    optimizer.reset();
  }

  @Override
  public double fitBatch(float[] features, int[] labels, int n) {
    double loss = net.lossAndGradients(features, labels, n);
    optimizer.step(params);
    return loss;
  }

  /** Adds {@code offset} to the gradients before the optimizer step, so it holds for SGD, momentum and AdamW alike. */
  @Override
  public double fitBatch(float[] features, int[] labels, int n, float[] offset, float learningRate) {
    checkLength(offset);
    double loss = net.lossAndGradients(features, labels, n);
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      float[] g = p.grad();
      int[] map = p.internal();
      int off = offsets[i];
      for (int f = 0; f < map.length; f++) {
        g[map[f]] += offset[off + f];
      }
    }
    optimizer.step(params);
    return loss;
  }

  @Override
  public void pullTowards(float[] anchor, float scale) {
    checkLength(anchor);
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      float[] w = p.value();
      int[] map = p.internal();
      int off = offsets[i];
      for (int f = 0; f < map.length; f++) {
        float v = w[map[f]];
        w[map[f]] = v - scale * (v - anchor[off + f]);
      }
    }
  }

  @Override
  public Evaluation evaluate(Dataset data, int[] indices) {
    int total = indices == null ? data.size() : indices.length;
    if (total == 0) {
      return new Evaluation(0, 0, 0);
    }
    int len = spec.inputLength();
    int batch = Math.min(EVAL_BATCH, total);
    if (evalX.length < batch * len) {
      evalX = new float[batch * len];
      evalY = new int[batch];
    }
    long correct = 0;
    double lossSum = 0;
    for (int start = 0; start < total; start += EVAL_BATCH) {
      int n = Math.min(EVAL_BATCH, total - start);
      for (int i = 0; i < n; i++) {
        int s = indices == null ? start + i : indices[start + i];
        data.features(s, evalX, i * len);
        evalY[i] = data.label(s);
      }
      double[] r = net.score(evalX, evalY, n);
      lossSum += r[0];
      correct += (long) r[1];
    }
    return new Evaluation((double) correct / total, lossSum / total, total);
  }

  /** Logits of {@code n} samples ({@code classes} each, row-major), for tests and tools. */
  public float[] logits(float[] features, int n) {
    int c = net.classes();
    float[] out = new float[n * c];
    for (int from = 0; from < n; from += net.slice()) {
      int m = Math.min(net.slice(), n - from);
      float[] z = net.forward(features, from, m, false);
      for (int s = 0; s < m; s++) {
        System.arraycopy(z, s * net.logitStride(), out, (from + s) * c, c);
      }
    }
    return out;
  }

  /** Gradient of the mean loss on a batch at the current parameters, in flat order (no step taken). */
  public float[] gradient(float[] features, int[] labels, int n) {
    net.lossAndGradients(features, labels, n);
    float[] g = new float[numParams()];
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      int[] map = p.internal();
      for (int f = 0; f < map.length; f++) {
        g[offsets[i] + f] = p.grad()[map[f]];
      }
    }
    return g;
  }

  /** Mean loss on a batch at the current parameters. */
  public double loss(float[] features, int[] labels, int n) {
    return net.score(features, labels, n)[0] / n;
  }

  @Override
  public double trainingFlopsPerSample() {
    return spec.trainingFlopsPerSample();
  }

  private void checkLength(float[] v) {
    if (v.length != numParams()) {
      throw new IllegalArgumentException("parameter vector has length " + v.length + ", model " + spec + " has " + numParams());
    }
  }
}
