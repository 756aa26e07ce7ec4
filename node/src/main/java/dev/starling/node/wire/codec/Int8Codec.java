package dev.starling.node.wire.codec;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Symmetric 8-bit quantization with one float32 absmax scale per block: q = round(127 x / s),
 * x = q s / 127. Round-to-nearest (ties to even) or stochastic (unbiased).
 */
public final class Int8Codec implements Codec {

  private final int block;
  private final boolean stochastic;

  public Int8Codec(int block, boolean stochastic) {
    if (block < 1) {
      throw new IllegalArgumentException("block size must be >= 1, got " + block);
    }
    this.block = block;
    this.stochastic = stochastic;
  }

  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    int n = values.length;
    float[] scales = new float[BlockScales.blocks(n, block)];
    byte[] out = new byte[n];
    if (stochastic) {
      System.arraycopy(BlockScales.absMaxChecked(values, block), 0, scales, 0, scales.length);
      for (int k = 0; k < scales.length; k++) {
        float s = scales[k];
        if (s == 0) {
          continue;
        }
        float inv = 127f / s;
        int end = Math.min(n, (k + 1) * block);
        for (int i = k * block; i < end; i++) {
          float y = values[i] * inv;
          float f = (float) Math.floor(y);
          int q = (int) f + (rng.nextFloat() < y - f ? 1 : 0);
          out[i] = (byte) Math.max(-127, Math.min(127, q));
        }
      }
    } else {
      // |y| <= 127 < 2^22: adding and removing 1.5 * 2^23 rounds to nearest, ties to even
      float[] sc = BlockScales.encodeBlocks(values, block, 1,
          (k, s, from, to) -> Kernels.int8Block(values, from, to, s == 0 ? 0 : 127f / s, out));
      System.arraycopy(sc, 0, scales, 0, sc.length);
    }
    return Tensor.newBuilder().setLength(n).setEncoding(Encoding.INT8).setBlockSize(block)
        .setScales(UnsafeByteOperations.unsafeWrap(BlockScales.toBytes(scales)))
        .setData(UnsafeByteOperations.unsafeWrap(out)).build();
  }

  @Override
  public String name() {
    return stochastic ? "int8-stochastic" : "int8";
  }
}
