package dev.starling.node.wire.codec;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * E3M0 4-bit codes with a float32 absmax scale per block (diloco.md section 2.5): magnitudes
 * {0, 2^-6, ..., 2^0} of the block scale, code = sign << 3 | e with e = 7 + log2(level) (0 for
 * zero), two codes per byte, even element in the low nibble. Rounding is to the nearest level in
 * value with ties going down (deterministic), or stochastic between the two neighbours
 * (unbiased). 4.25 bits per value at the default block of 128.
 */
public final class E3m0Codec implements Codec {

  public static final int DEFAULT_BLOCK = 128;

  private final int block;
  private final boolean stochastic;

  public E3m0Codec(int block, boolean stochastic) {
    if (block < 1) {
      throw new IllegalArgumentException("block size must be >= 1, got " + block);
    }
    this.block = block;
    this.stochastic = stochastic;
  }

  /** The 3-bit exponent code of a magnitude a in [0, 1] (round to nearest, ties down). */
  public static int code(float a) {
    if (a <= 0x1p-7f) {
      return 0; // nearer to 0 than to 2^-6 (tie at 2^-7 goes down)
    }
    if (a < 0x1p-6f) {
      return 1;
    }
    int bits = Float.floatToRawIntBits(a);
    int e = ((bits >>> 23) & 0xFF) - 127; // a in [2^e, 2^(e+1))
    int mantissa = bits & 0x7FFFFF;
    if (mantissa > 0x400000) {
      e++; // above the midpoint 1.5 * 2^e
    }
    return Math.min(7, 7 + e);
  }

  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    Codec.requireFinite(values);
    int n = values.length;
    float[] scales = BlockScales.absMax(values, block);
    byte[] out = new byte[(n + 1) / 2];
    for (int k = 0; k < scales.length; k++) {
      float s = scales[k];
      if (s == 0) {
        continue;
      }
      float inv = 1f / s;
      int end = Math.min(n, (k + 1) * block);
      for (int i = k * block; i < end; i++) {
        float x = values[i];
        float a = Math.min(Math.abs(x) * inv, 1f);
        int e = stochastic ? stochasticCode(a, rng) : code(a);
        int c = (x < 0 ? 8 : 0) | e; // as specified: the sign bit is kept even for a zero code
        out[i >> 1] |= (byte) (c << ((i & 1) << 2));
      }
    }
    return Tensor.newBuilder().setLength(n).setEncoding(Encoding.E3M0).setBlockSize(block)
        .setScales(UnsafeByteOperations.unsafeWrap(BlockScales.toBytes(scales)))
        .setData(UnsafeByteOperations.unsafeWrap(out)).build();
  }

  private static int stochasticCode(float a, UniformRandomProvider rng) {
    if (a == 0) {
      return 0;
    }
    float lo;
    float hi;
    int eLo;
    if (a < 0x1p-6f) {
      lo = 0;
      hi = 0x1p-6f;
      eLo = 0;
    } else {
      int e = ((Float.floatToRawIntBits(a) >>> 23) & 0xFF) - 127;
      lo = Math.scalb(1f, e);
      if (lo == a || e >= 0) {
        return Math.min(7, 7 + e);
      }
      hi = 2 * lo;
      eLo = 7 + e;
    }
    boolean up = rng.nextFloat() < (a - lo) / (hi - lo);
    return up ? (eLo == 0 ? 1 : eLo + 1) : eLo;
  }

  /** The value of code c (4 bits) for block scale s. */
  public static float value(int c, float s) {
    int e = c & 7;
    if (e == 0) {
      return 0f;
    }
    float v = s * Math.scalb(1f, e - 7);
    return (c & 8) != 0 ? -v : v;
  }

  @Override
  public String name() {
    return stochastic ? "e3m0-stochastic" : "e3m0";
  }
}
