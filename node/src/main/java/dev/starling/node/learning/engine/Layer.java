package dev.starling.node.learning.engine;

import java.util.List;

/**
 * One stage of a {@link Network}. A layer reads its input in the layout the previous layer writes
 * (a sample stride of {@link #inputStride()} floats) and owns its output and input-gradient
 * buffers, which grow with the largest batch seen.
 */
interface Layer {

  /** Floats between consecutive samples of the input this layer reads. */
  int inputStride();

  /** Floats between consecutive samples of the output this layer writes. */
  int outputStride();

  /** Computes the outputs of samples {@code 0..n-1}; returns the output buffer. */
  float[] forward(float[] in, int n);

  /**
   * Gradients of the parameters (overwritten) from {@code dOut} (the gradient of the loss with
   * respect to this layer's last output; the layer may modify it), and the gradient with respect
   * to the input when {@code inputGrad}, returned in a buffer the layer owns (else null).
   */
  float[] backward(float[] in, float[] dOut, int n, boolean inputGrad);

  /** Parameter tensors in flat-vector order (empty for layers without parameters). */
  List<Param> params();

  /** Fills the parameters (in flat order) with the initial values for {@code rng}. */
  void initialize(java.util.SplittableRandom rng);

  /** Multiply-accumulates of one forward pass for one sample. */
  long macs();
}
