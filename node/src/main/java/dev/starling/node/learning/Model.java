package dev.starling.node.learning;

import dev.starling.node.data.Dataset;

/**
 * A trainable classifier whose parameters are one flat float32 vector.
 *
 * <p>Instances are not thread-safe: a compute thread owns one (see {@link ModelPool}). The flat
 * vector layout is stable for a given {@link ModelSpec}, so vectors can be exchanged between
 * instances and nodes.
 */
public interface Model {

  int numParams();

  /** Copies the parameters into {@code dst} (length {@link #numParams()}). */
  void copyParams(float[] dst);

  /** Overwrites the parameters with {@code src}. */
  void setParams(float[] src);

  default float[] params() {
    float[] p = new float[numParams()];
    copyParams(p);
    return p;
  }

  /** Forgets optimizer state (momentum, Adam moments, step count): a fresh local optimizer. */
  void resetOptimizer();

  /**
   * One optimizer step on a minibatch.
   *
   * @param features {@code n * featureLength} floats, row-major
   * @param labels {@code n} class indices
   * @return the minibatch loss before the step
   */
  double fitBatch(float[] features, int[] labels, int n);

  /**
   * One step on a minibatch with {@code offset} added to the gradient (length {@link #numParams()}).
   * This default takes the step and then moves the parameters by {@code -learningRate * offset},
   * which is the same step for plain SGD only; a model that can reach its gradients (Starling's
   * engine) adds the offset before its optimizer, whatever the optimizer.
   */
  default double fitBatch(float[] features, int[] labels, int n, float[] offset, float learningRate) {
    double loss = fitBatch(features, labels, n);
    float[] p = params();
    for (int i = 0; i < p.length; i++) {
      p[i] -= learningRate * offset[i];
    }
    setParams(p);
    return loss;
  }

  /**
   * Applies {@code w -= scale * (w - anchor)} to every parameter: the FedProx proximal step after
   * an optimizer step ({@code scale = lr * mu}).
   */
  void pullTowards(float[] anchor, float scale);

  /** Accuracy and loss over the given samples (all samples when {@code indices} is null). */
  Evaluation evaluate(Dataset data, int[] indices);

  /** Floating-point operations of one training step per sample (forward + backward), estimated. */
  double trainingFlopsPerSample();
}
