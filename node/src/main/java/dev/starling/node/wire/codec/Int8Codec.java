package dev.starling.node.wire.codec;

import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Symmetric 8-bit quantization with one float32 absmax scale per block: q = round(127 x / s),
 * x = q s / 127. Round-to-nearest (ties away from zero) or stochastic (unbiased).
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
    float[] scales = BlockScales.absMaxChecked(values, block);
    byte[] out = new byte[values.length];
    if (stochastic) {
      for (int k = 0; k < scales.length; k++) {
        float s = scales[k];
        if (s == 0) {
          continue;
        }
        float inv = 127f / s;
        int end = Math.min(values.length, (k + 1) * block);
        for (int i = k * block; i < end; i++) {
          float y = values[i] * inv;
          float f = (float) Math.floor(y);
          int q = (int) f + (rng.nextFloat() < y - f ? 1 : 0);
          out[i] = (byte) Math.max(-127, Math.min(127, q));
        }
      }
    } else {
      int n = values.length;
      dev.starling.aggregator.VectorKernels.parallelRanges(scales.length, dev.starling.aggregator.VectorKernels.threads(),
          (from, to) -> {
            for (int k = from; k < to; k++) {
              float s = scales[k];
              float inv = s == 0 ? 0 : 127f / s;
              int end = Math.min(n, (k + 1) * block);
              for (int i = k * block; i < end; i++) {
                // round half away from zero: |y| <= 127, so the truncating cast after adding 0.5 is exact
                float y = values[i] * inv;
                out[i] = (byte) (int) (y + Math.copySign(0.5f, y));
              }
            }
          });
    }
    return Tensor.newBuilder().setLength(values.length).setEncoding(Encoding.INT8).setBlockSize(block)
        .setScales(UnsafeByteOperations.unsafeWrap(BlockScales.toBytes(scales)))
        .setData(UnsafeByteOperations.unsafeWrap(out)).build();
  }

  @Override
  public String name() {
    return stochastic ? "int8-stochastic" : "int8";
  }
}
