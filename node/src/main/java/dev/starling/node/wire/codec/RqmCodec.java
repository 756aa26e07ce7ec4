package dev.starling.node.wire.codec;

import dev.starling.node.wire.proto.Tensor;
import dev.starling.privacy.mechanism.Clipping;
import dev.starling.privacy.rqm.Rqm;
import dev.starling.privacy.rqm.RqmParams;
import org.apache.commons.rng.UniformRandomProvider;

/** RQM level indices, ceil(log2 m) bits each: values clipped to [-c, c], unbiased within them. */
public final class RqmCodec implements Codec {

  private final RqmParams params;

  public RqmCodec(RqmParams params) {
    this.params = params;
  }

  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    Codec.requireFinite(values);
    float[] v = values.clone();
    Clipping.lInf(v, params.clip());
    return Tensors.rqm(new Rqm(params).quantize(v, rng), params.levels(), params.outer());
  }

  @Override
  public String name() {
    return "rqm";
  }
}
