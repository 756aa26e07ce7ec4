package dev.starling.node.wire.codec;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * bfloat16: the upper 16 bits of each float32, rounded to nearest even (or stochastically), 2
 * bytes per element; same range as float32, 8 bits of precision.
 */
public final class Bf16Codec implements Codec {

  private final boolean stochastic;

  public Bf16Codec(boolean stochastic) {
    this.stochastic = stochastic;
  }

  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    Codec.requireFinite(values);
    byte[] out = new byte[values.length * 2];
    for (int i = 0; i < values.length; i++) {
      int bits = Float.floatToRawIntBits(values[i]);
      int rounded;
      if (stochastic) {
        rounded = (bits + (rng.nextInt() & 0xFFFF)) >>> 16;
      } else {
        rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
      }
      out[2 * i] = (byte) rounded;
      out[2 * i + 1] = (byte) (rounded >>> 8);
    }
    return Tensor.newBuilder().setLength(values.length).setEncoding(Encoding.BF16)
        .setData(UnsafeByteOperations.unsafeWrap(out)).build();
  }

  /** The float a bf16 pattern stands for. */
  public static float toFloat(int bf16) {
    return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
  }

  @Override
  public String name() {
    return stochastic ? "bf16-stochastic" : "bf16";
  }
}
