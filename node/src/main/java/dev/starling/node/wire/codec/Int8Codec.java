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
      // One pass over memory: each block's absmax and its quantization run back to back, so the
      // second loop reads the block from L1; blocks are split over the cores.
      int[] bad = {-1};
      dev.starling.aggregator.VectorKernels.parallelRanges(scales.length, dev.starling.aggregator.VectorKernels.threads(),
          (from, to) -> {
            for (int k = from; k < to; k++) {
              int base = k * block;
              int end = Math.min(n, base + block);
              float s = BlockScales.absMaxOf(values, base, end);
              if (!(s <= Float.MAX_VALUE)) {
                synchronized (bad) {
                  bad[0] = bad[0] < 0 ? k : Math.min(bad[0], k);
                }
                continue;
              }
              scales[k] = s;
              float inv = s == 0 ? 0 : 127f / s;
              for (int i = base; i < end; i++) {
                // |y| <= 127 < 2^22: adding and removing 1.5 * 2^23 rounds to nearest, ties to even
                out[i] = (byte) (int) ((values[i] * inv + 12582912f) - 12582912f);
              }
            }
          });
      if (bad[0] >= 0) {
        Codec.requireFinite(java.util.Arrays.copyOfRange(values, bad[0] * block, Math.min(n, (bad[0] + 1) * block)));
      }
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
