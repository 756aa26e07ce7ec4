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

  /**
   * Computes the outputs of samples {@code 0..n-1}; returns the output buffer. With
   * {@code training} the layer keeps what its backward pass needs; without, it may skip that.
   */
  float[] forward(float[] in, int n, boolean training);

  /**
   * Gradients of the parameters from {@code dOut} (the gradient of the loss with respect to this
   * layer's last output; the layer may modify it), added to the current ones when
   * {@code accumulate} (a later slice of the same batch; each gradient element then continues its
   * sum over samples in order) else overwriting them, and the gradient with respect to the input
   * when {@code inputGrad}, returned in a buffer the layer owns (else null).
   */
  float[] backward(float[] in, float[] dOut, int n, boolean inputGrad, boolean accumulate);

  /** Parameter tensors in flat-vector order (empty for layers without parameters). */
  List<Param> params();

  /** Fills the parameters (in flat order) with the initial values for {@code rng}. */
  void initialize(java.util.SplittableRandom rng);

  /** Multiply-accumulates of one forward pass for one sample. */
  long macs();
}
