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

  /**
   * The 3-bit exponent code of a magnitude a in [0, 1] (round to nearest, ties down), without
   * branches: adding 0x3FFFFF to the float's bits carries into the exponent exactly when the
   * mantissa is above one half (a > 1.5 * 2^e), and any a above 2^-7 is nearer 2^-6 than 0.
   */
  public static int code(float a) {
    int bits = Float.floatToRawIntBits(Math.min(a, 1f));
    int e = ((bits + 0x3FFFFF) >>> 23) - 120; // 127 - 7
    e = Math.max(0, Math.min(7, e));
    int aboveHalfOfSmallest = (0x3C000000 - bits) >>> 31; // a > 2^-7
    return Math.max(e, aboveHalfOfSmallest);
  }

  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    int n = values.length;
    byte[] out = new byte[(n + 1) / 2];
    if (stochastic) {
      float[] scales = BlockScales.absMaxChecked(values, block);
      for (int k = 0; k < scales.length; k++) {
        encodeBlockStochastic(values, scales[k], k * block, Math.min(n, (k + 1) * block), out, rng);
      }
    } else {
      float[] scales = BlockScales.encodeBlocks(values, block, (block & 1) == 0 ? 1 : 2,
          (k, s, from, to) -> encodeBlock(values, s, from, to, out));
      return tensor(n, out, scales);
    }
    return tensor(n, out, BlockScales.absMax(values, block));
  }

  private Tensor tensor(int n, byte[] out, float[] scales) {
    return Tensor.newBuilder().setLength(n).setEncoding(Encoding.E3M0).setBlockSize(block)
        .setScales(UnsafeByteOperations.unsafeWrap(BlockScales.toBytes(scales)))
        .setData(UnsafeByteOperations.unsafeWrap(out)).build();
  }

  private static void encodeBlock(float[] values, float s, int from, int to, byte[] out) {
    if ((from & 1) == 1) { // only when the block size is odd; ranges of two blocks start even
      float inv = s == 0 ? 0f : 1f / s;
      out[from >> 1] |= (byte) (Kernels.e3m0CodeScalar(values[from], inv) << 4);
      from++;
    }
    Kernels.e3m0Block(values, from, to, s == 0 ? 0f : 1f / s, out);
  }

  private static void encodeBlockStochastic(float[] values, float s, int from, int to, byte[] out, UniformRandomProvider rng) {
    float inv = s == 0 ? 0 : 1f / s;
    for (int i = from; i < to; i++) {
      float x = values[i];
      int e = s == 0 ? 0 : stochasticCode(Math.min(Math.abs(x) * inv, 1f), rng);
      int c = (x < 0 ? 8 : 0) | e;
      out[i >> 1] |= (byte) (c << ((i & 1) << 2));
    }
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
