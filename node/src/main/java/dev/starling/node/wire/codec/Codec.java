package dev.starling.node.wire.codec;

import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Encodes a float32 vector into a {@link Tensor} for the wire. Decoding is
 * {@link dev.starling.node.wire.codec.Tensors#decode}, which dispatches on the tensor's encoding and
 * validates it, so a receiver needs no codec configuration. NaN and Inf are rejected before
 * encoding: one bad replica must not poison everyone's parameters.
 */
public interface Codec {

  /**
   * @param rng source for stochastic rounding; ignored by deterministic codecs, may be null then
   */
  Tensor encode(float[] values, UniformRandomProvider rng);

  /** A short, stable name used in configs ({@code fp32}, {@code e3m0}, ...). */
  String name();

  /** Fails with the index of the first non-finite value. */
  static void requireFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException("cannot encode value " + i + " = " + values[i] + " (NaN and Inf are rejected)");
      }
    }
  }
}
