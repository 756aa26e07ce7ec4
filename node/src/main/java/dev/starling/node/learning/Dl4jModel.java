package dev.starling.node.learning;

import dev.starling.node.data.Dataset;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A {@link Model} backed by a DL4J {@link MultiLayerNetwork}. Parameters are read and written
 * through a direct {@link FloatBuffer} view of the network's flattened parameter array, so no
 * INDArray is allocated to get or set them.
 */
public final class Dl4jModel implements Model {

  private static final int EVAL_BATCH = 500;

  private final String description;
  private final int inputLength;
  private final int numClasses;
  private final double flopsPerSample;
  private final MultiLayerNetwork net;
  private final FloatBuffer paramView;
  private final int numParams;

  /** A built-in network in DL4J. */
  public Dl4jModel(ModelSpec spec, TrainingConfig training, long seed) {
    this(configuration(spec, training, seed), spec.inputLength(), spec.numClasses(), spec.trainingFlopsPerSample(),
        spec.toString());
  }

  /**
   * Any DL4J network whose input is the flat feature vector ({@code inputLength} floats; use an
   * input type of {@code convolutionalFlat} for images) and whose output layer is a softmax over
   * {@code numClasses} with multi-class cross-entropy. Its seed and updater come from {@code conf}.
   */
  public Dl4jModel(MultiLayerConfiguration conf, int inputLength, int numClasses, double flopsPerSample) {
    this(conf, inputLength, numClasses, flopsPerSample, "dl4j network");
  }

  private Dl4jModel(MultiLayerConfiguration conf, int inputLength, int numClasses, double flopsPerSample,
      String description) {
    this.description = description;
    this.inputLength = inputLength;
    this.numClasses = numClasses;
    this.flopsPerSample = flopsPerSample;
    this.net = new MultiLayerNetwork(conf);
    net.init();
    INDArray p = net.params();
    this.numParams = Math.toIntExact(p.length());
    if (p.dataType() != DataType.FLOAT || p.offset() != 0 || !p.isView() && p.data().length() != numParams
        || p.data().length() < numParams) {
      throw new IllegalStateException("unexpected DL4J parameter layout for " + description);
    }
    this.paramView = p.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /** The DL4J network behind this model. */
  public MultiLayerNetwork network() {
    return net;
  }

  @Override
  public int numParams() {
    return numParams;
  }

  @Override
  public void copyParams(float[] dst) {
    checkLength(dst);
    paramView.get(0, dst, 0, numParams);
  }

  @Override
  public void setParams(float[] src) {
    checkLength(src);
    paramView.put(0, src, 0, numParams);
  }

  @Override
  public void resetOptimizer() {
    Updater u = net.getUpdater();
    if (u instanceof org.deeplearning4j.nn.updater.MultiLayerUpdater mlu && mlu.getStateViewArray() != null) {
      mlu.getStateViewArray().assign(0);
    }
    net.setIterationCount(0);
    net.setEpochCount(0);
  }

  @Override
  public double fitBatch(float[] features, int[] labels, int n) {
    INDArray x = Nd4j.create(features, new long[] {n, inputLength}, 'c');
    float[] oneHot = new float[n * numClasses];
    for (int i = 0; i < n; i++) {
      oneHot[i * numClasses + labels[i]] = 1f;
    }
    INDArray y = Nd4j.create(oneHot, new long[] {n, numClasses}, 'c');
    net.fit(new DataSet(x, y));
    return net.score();
  }

  @Override
  public void pullTowards(float[] anchor, float scale) {
    checkLength(anchor);
    for (int i = 0; i < numParams; i++) {
      float w = paramView.get(i);
      paramView.put(i, w - scale * (w - anchor[i]));
    }
  }

  @Override
  public Evaluation evaluate(Dataset data, int[] indices) {
    int total = indices == null ? data.size() : indices.length;
    int len = inputLength;
    int classes = numClasses;
    float[] batch = new float[Math.min(EVAL_BATCH, Math.max(1, total)) * len];
    int correct = 0;
    double lossSum = 0;
    for (int start = 0; start < total; start += EVAL_BATCH) {
      int n = Math.min(EVAL_BATCH, total - start);
      for (int i = 0; i < n; i++) {
        int s = indices == null ? start + i : indices[start + i];
        data.features(s, batch, i * len);
      }
      float[] xs = n * len == batch.length ? batch : java.util.Arrays.copyOf(batch, n * len);
      INDArray x = Nd4j.create(xs, new long[] {n, len}, 'c');
      float[] probs = net.output(x, false).ravel().toFloatVector();
      for (int i = 0; i < n; i++) {
        int s = indices == null ? start + i : indices[start + i];
        int y = data.label(s);
        int best = 0;
        for (int c = 1; c < classes; c++) {
          if (probs[i * classes + c] > probs[i * classes + best]) {
            best = c;
          }
        }
        if (best == y) {
          correct++;
        }
        lossSum += -StrictMath.log(Math.max(probs[i * classes + y], 1e-12));
      }
    }
    return total == 0 ? new Evaluation(0, 0, 0) : new Evaluation((double) correct / total, lossSum / total, total);
  }

  @Override
  public double trainingFlopsPerSample() {
    return flopsPerSample;
  }

  /** The DL4J configuration for {@code spec} trained with {@code tc}, initialised from {@code seed}. */
  static MultiLayerConfiguration configuration(ModelSpec spec, TrainingConfig tc, long seed) {
    NeuralNetConfiguration.Builder b =
        new NeuralNetConfiguration.Builder().seed(seed).updater(updater(tc)).weightInit(WeightInit.RELU);
    if (tc.weightDecay() > 0) {
      b.weightDecay(tc.weightDecay());
    }
    NeuralNetConfiguration.ListBuilder list = b.list();
    int layer = 0;
    switch (spec.type()) {
      case LOGREG -> { }
      case MLP -> {
        for (int h : spec.hidden()) {
          list.layer(layer++, new DenseLayer.Builder().nOut(h).activation(Activation.RELU).build());
        }
      }
      case CNN -> {
        list.layer(layer++, new ConvolutionLayer.Builder(5, 5).nOut(6).stride(1, 1).padding(2, 2)
            .activation(Activation.RELU).build());
        list.layer(layer++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
            .kernelSize(2, 2).stride(2, 2).build());
        list.layer(layer++, new ConvolutionLayer.Builder(5, 5).nOut(16).stride(1, 1)
            .activation(Activation.RELU).build());
        list.layer(layer++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
            .kernelSize(2, 2).stride(2, 2).build());
        list.layer(layer++, new DenseLayer.Builder().nOut(120).activation(Activation.RELU).build());
        list.layer(layer++, new DenseLayer.Builder().nOut(84).activation(Activation.RELU).build());
      }
    }
    list.layer(layer, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nOut(spec.numClasses()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
    if (spec.inputShape().length == 3) {
      list.setInputType(InputType.convolutionalFlat(spec.inputShape()[1], spec.inputShape()[2], spec.inputShape()[0]));
    } else {
      list.setInputType(InputType.feedForward(spec.inputLength()));
    }
    return list.build();
  }

  private static IUpdater updater(TrainingConfig tc) {
    return switch (tc.optimizer()) {
      case SGD -> tc.momentum() > 0 ? new Nesterovs(tc.learningRate(), tc.momentum()) : new Sgd(tc.learningRate());
      case ADAMW -> new Adam(tc.learningRate());
    };
  }

  private void checkLength(float[] v) {
    if (v.length != numParams) {
      throw new IllegalArgumentException("parameter vector has length " + v.length + ", model " + description + " has " + numParams);
    }
  }
}
