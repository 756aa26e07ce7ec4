package dev.starling.node.wire.codec;

import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/** Lossless float32, 4 bytes per element. */
public final class Fp32Codec implements Codec {
  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    Codec.requireFinite(values);
    return Tensors.fp32(values);
  }

  @Override
  public String name() {
    return "fp32";
  }
}
