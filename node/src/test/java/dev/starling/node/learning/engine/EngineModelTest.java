package dev.starling.node.learning.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.learning.Dl4jModel;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.learning.TrainingConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EngineModelTest {

  /** Two slices of the CNN (8 + 4 samples), so gradients accumulate across slices. */
  private static final int N = 12;

  static ModelSpec spec(ModelSpec.Type t) {
    return switch (t) {
      case LOGREG -> new ModelSpec(t, null, new int[] {20}, 5);
      case MLP -> new ModelSpec(t, new int[] {16, 12}, new int[] {20}, 5);
      case CNN -> new ModelSpec(t, null, new int[] {2, 16, 16}, 3);
    };
  }

  private static float[] features(ModelSpec s, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * s.inputLength()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    return x;
  }

  private static int[] labels(ModelSpec s, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(s.numClasses());
    }
    return y;
  }

  /** Central differences of the loss, coordinate by coordinate, against the backward pass. */
  @ParameterizedTest
  @EnumSource(ModelSpec.Type.class)
  void gradientMatchesFiniteDifferences(ModelSpec.Type type) {
    ModelSpec s = spec(type);
    EngineModel m = new EngineModel(s, TrainingConfig.sgd(1, N, 0.1), 5);
    float[] x = features(s, N, 1);
    int[] y = labels(s, N, 2);
    float[] g = m.gradient(x, y, N);
    float[] w = m.params();
    SplittableRandom r = new SplittableRandom(9);
    int checked = 0;
    for (int t = 0; t < 60; t++) {
      int i = r.nextInt(w.length);
      double fd = difference(m, w, i, 1e-3f, x, y);
      double fine = difference(m, w, i, 2.5e-4f, x, y);
      if (Math.abs(fd - fine) > 5e-4 + 2e-2 * Math.abs(fd)) {
        continue; // a ReLU or max-pool kink lies within the step: the difference is not the derivative
      }
      assertEquals(fd, g[i], 5e-4 + 2e-2 * Math.abs(fd), type + " parameter " + i);
      checked++;
    }
    assertTrue(checked >= 50, "only " + checked + " of 60 coordinates away from kinks");
  }

  private static double difference(EngineModel m, float[] w, int i, float h, float[] x, int[] y) {
    float[] wp = w.clone();
    wp[i] = w[i] + h;
    m.setParams(wp);
    double up = m.loss(x, y, N);
    wp[i] = w[i] - h;
    m.setParams(wp);
    double down = m.loss(x, y, N);
    m.setParams(w);
    return (up - down) / ((w[i] + h) - (w[i] - h)); // the step actually taken in float
  }

  /** Writes the engine's flat parameters into DL4J's parameter table (same network, DL4J's layouts). */
  private static void loadIntoDl4j(float[] flat, MultiLayerNetwork net) {
    int off = 0;
    for (int li = 0; li < net.getnLayers(); li++) {
      Layer layer = net.getLayer(li);
      if (layer.numParams() == 0) {
        continue;
      }
      INDArray w = layer.getParam("W");
      long[] shape = w.shape();
      int wn = (int) w.length();
      float[] block = Arrays.copyOfRange(flat, off, off + wn);
      off += wn;
      if (shape.length == 4) { // conv [out, in, kh, kw]: PyTorch's order
        layer.setParam("W", Nd4j.create(block, shape, 'c'));
      } else { // dense [in, out]: the engine's [out][in] is its column-major form
        layer.setParam("W", Nd4j.create(block, shape, 'f'));
      }
      INDArray b = layer.getParam("b");
      int bn = (int) b.length();
      layer.setParam("b", Nd4j.create(Arrays.copyOfRange(flat, off, off + bn), b.shape(), 'c'));
      off += bn;
    }
    assertEquals(flat.length, off);
  }

  private static float[] dl4jGradient(MultiLayerNetwork net) {
    java.util.List<Float> out = new java.util.ArrayList<>();
    for (int li = 0; li < net.getnLayers(); li++) {
      if (net.getLayer(li).numParams() == 0) {
        continue;
      }
      for (String key : new String[] {"W", "b"}) {
        INDArray g = net.gradient().getGradientFor(li + "_" + key);
        INDArray ordered = g.rank() == 2 && key.equals("W") ? g.dup('f') : g.dup('c');
        for (float v : ordered.data().asFloat()) {
          out.add(v);
        }
      }
    }
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  /** Same initial parameters and batch: the engine's loss and gradient equal DL4J's to float32 rounding. */
  @ParameterizedTest
  @EnumSource(ModelSpec.Type.class)
  void gradientMatchesDl4j(ModelSpec.Type type) {
    ModelSpec s = spec(type);
    TrainingConfig tc = TrainingConfig.sgd(1, N, 0.1);
    EngineModel m = new EngineModel(s, tc, 11);
    float[] x = features(s, N, 3);
    int[] y = labels(s, N, 4);
    float[] g = m.gradient(x, y, N);
    double loss = m.loss(x, y, N);

    MultiLayerNetwork net = new Dl4jModel(s, tc, 1).network();
    loadIntoDl4j(m.params(), net);
    float[] oneHot = new float[N * s.numClasses()];
    for (int i = 0; i < N; i++) {
      oneHot[i * s.numClasses() + y[i]] = 1;
    }
    net.setInput(Nd4j.create(x, new long[] {N, s.inputLength()}, 'c'));
    net.setLabels(Nd4j.create(oneHot, new long[] {N, s.numClasses()}, 'c'));
    net.computeGradientAndScore();
    float[] want = dl4jGradient(net);
    for (int i = 0; i < want.length; i++) {
      want[i] /= N; // DL4J's gradient is the batch sum; its updater divides by the minibatch size
    }
    assertEquals(net.score(), loss, 1e-5 * Math.max(1, loss));
    assertEquals(want.length, g.length);
    float scale = 0;
    for (float v : want) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertTrue(scale > 0);
    for (int i = 0; i < g.length; i++) {
      assertEquals(want[i], g[i], 1e-4f * scale, type + " gradient " + i);
    }
  }

  @Test
  void flatParametersRoundTripAndPaddingStaysZero() {
    EngineModel m = new EngineModel(spec(ModelSpec.Type.CNN), TrainingConfig.sgd(1, 4, 0.1), 1);
    float[] q = new float[m.numParams()];
    for (int i = 0; i < q.length; i++) {
      q[i] = (i % 97) * 0.01f - 0.4f;
    }
    m.setParams(q);
    assertArrayEquals(q, m.params());
    ModelSpec s = spec(ModelSpec.Type.CNN);
    m.fitBatch(features(s, 4, 1), labels(s, 4, 1), 4);
    float[] after = m.params();
    m.setParams(after);
    assertArrayEquals(after, m.params());
    // LeNet layout: conv 2->6 (5x5), conv 6->16, dense 64->120, 120->84, 84->3
    assertEquals(6 * 2 * 25 + 6 + 16 * 6 * 25 + 16 + 64 * 120 + 120 + 120 * 84 + 84 + 84 * 3 + 3, m.numParams());
  }

  @Test
  void pytorchDefaultInitialisationBounds() {
    EngineModel m = new EngineModel(spec(ModelSpec.Type.LOGREG), TrainingConfig.sgd(1, 4, 0.1), 3);
    float bound = (float) (1 / Math.sqrt(20));
    float max = 0;
    for (float v : m.params()) {
      max = Math.max(max, Math.abs(v));
    }
    assertTrue(max <= bound && max > 0.8f * bound, "max |w| " + max + " for bound " + bound);
    assertArrayEquals(m.params(), new EngineModel(spec(ModelSpec.Type.LOGREG), TrainingConfig.sgd(1, 4, 0.1), 3).params());
    assertFalse(Arrays.equals(m.params(), new EngineModel(spec(ModelSpec.Type.LOGREG), TrainingConfig.sgd(1, 4, 0.1), 4).params()));
  }

  /** One SGD-Nesterov step and two AdamW steps on one coordinate, computed by hand. */
  @Test
  void optimizersFollowTheirFormulas() {
    ModelSpec s = spec(ModelSpec.Type.LOGREG);
    float[] x = features(s, N, 5);
    int[] y = labels(s, N, 6);
    TrainingConfig sgd = new TrainingConfig(1, N, TrainingConfig.Optimizer.SGD, 0.1, 0.9, 0.01, 0, 0);
    EngineModel m = new EngineModel(s, sgd, 2);
    float[] w0 = m.params();
    float[] g0 = m.gradient(x, y, N);
    m.setParams(w0);
    m.fitBatch(x, y, N);
    float[] w1 = m.params();
    for (int i = 0; i < w0.length; i++) {
      float decayed = w0[i] - (0.1f * 0.01f) * w0[i];
      float buf = 0.9f * 0 + g0[i];
      assertEquals(decayed - 0.1f * (g0[i] + 0.9f * buf), w1[i], 0f);
    }
    TrainingConfig adam = new TrainingConfig(1, N, TrainingConfig.Optimizer.ADAMW, 0.01, 0, 0, 0, 0);
    EngineModel a = new EngineModel(s, adam, 2);
    float[] v0 = a.params();
    float[] h0 = a.gradient(x, y, N);
    a.setParams(v0);
    a.fitBatch(x, y, N);
    float[] v1 = a.params();
    for (int i = 0; i < v0.length; i++) {
      // step 1: m = 0.1 g, v = 0.001 g², so the step is lr·g/(|g| + eps·…) ≈ lr·sign(g)
      if (Math.abs(h0[i]) > 1e-4) {
        assertEquals(v0[i] - 0.01 * Math.signum(h0[i]), v1[i], 1e-5);
      }
    }
    a.resetOptimizer();
    a.setParams(v0);
    a.fitBatch(x, y, N);
    assertArrayEquals(v1, a.params(), "reset forgets moments and the step count");
  }

  @Test
  void trainingIsDeterministicAndReducesTheLoss() {
    ModelSpec s = spec(ModelSpec.Type.CNN);
    float[] x = features(s, 16, 7);
    int[] y = labels(s, 16, 8);
    TrainingConfig tc = new TrainingConfig(1, 16, TrainingConfig.Optimizer.SGD, 0.1, 0.9, 0, 0, 0);
    EngineModel a = new EngineModel(s, tc, 1);
    EngineModel b = new EngineModel(s, tc, 1);
    double first = a.loss(x, y, 16);
    for (int i = 0; i < 60; i++) {
      a.fitBatch(x, y, 16);
      b.fitBatch(x, y, 16);
    }
    assertArrayEquals(a.params(), b.params());
    assertTrue(a.loss(x, y, 16) < 0.5 * first, "loss " + first + " -> " + a.loss(x, y, 16));
  }
}
