package dev.starling.node.wire.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Per-block absolute maxima, stored as little-endian float32 on the wire. */
final class BlockScales {
  private BlockScales() {}

  static int blocks(int n, int block) {
    return (n + block - 1) / block;
  }

  /**
   * Per-block absmax in one parallel pass that also rejects NaN and Inf (fused, so encoding reads
   * the input once before quantizing it).
   */
  static float[] absMaxChecked(float[] v, int block) {
    float[] s = new float[blocks(v.length, block)];
    int[] bad = {-1};
    dev.starling.aggregator.VectorKernels.parallelRanges(s.length, dev.starling.aggregator.VectorKernels.threads(),
        (from, to) -> {
          for (int k = from; k < to; k++) {
            // Non-negative floats order like their bits, so an int max (which vectorizes) is the
            // absmax; NaN and Inf have bits above MAX_VALUE's and surface as a non-finite maximum.
            int mb = 0;
            int end = Math.min(v.length, (k + 1) * block);
            for (int i = k * block; i < end; i++) {
              mb = Math.max(mb, Float.floatToRawIntBits(v[i]) & 0x7FFFFFFF);
            }
            float m = Float.intBitsToFloat(mb);
            if (mb > 0x7F7FFFFF) {
              synchronized (bad) {
                bad[0] = bad[0] < 0 ? k : Math.min(bad[0], k);
              }
            }
            s[k] = m;
          }
        });
    if (bad[0] >= 0) {
      Codec.requireFinite(java.util.Arrays.copyOfRange(v, bad[0] * block, Math.min(v.length, (bad[0] + 1) * block)));
    }
    return s;
  }

  /**
   * The absmax of v[from, to), +infinity (or NaN bits) when a value is not finite. Four
   * independent accumulators over int bits (non-negative floats order like their bits).
   */
  static float absMaxOf(float[] v, int from, int to) {
    int m0 = 0;
    int m1 = 0;
    int m2 = 0;
    int m3 = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      m0 = Math.max(m0, Float.floatToRawIntBits(v[i]) & 0x7FFFFFFF);
      m1 = Math.max(m1, Float.floatToRawIntBits(v[i + 1]) & 0x7FFFFFFF);
      m2 = Math.max(m2, Float.floatToRawIntBits(v[i + 2]) & 0x7FFFFFFF);
      m3 = Math.max(m3, Float.floatToRawIntBits(v[i + 3]) & 0x7FFFFFFF);
    }
    for (; i < to; i++) {
      m0 = Math.max(m0, Float.floatToRawIntBits(v[i]) & 0x7FFFFFFF);
    }
    int m = Math.max(Math.max(m0, m1), Math.max(m2, m3));
    return m > 0x7F7FFFFF ? Float.POSITIVE_INFINITY : Float.intBitsToFloat(m);
  }

  /** Encodes one block [from, to) whose absmax is s. */
  interface BlockEncoder {
    void encode(int k, float s, int from, int to);
  }

  /**
   * One pass over memory: for every block, its absmax and then {@code enc} while the block is in
   * L1, blocks split over the cores in groups of {@code grain} (so ranges can start on byte
   * boundaries). Returns the scales; a NaN or Inf fails with the index of the first one.
   */
  static float[] encodeBlocks(float[] v, int block, int grain, BlockEncoder enc) {
    int n = v.length;
    int blocks = blocks(n, block);
    float[] scales = new float[blocks];
    int[] bad = {-1};
    dev.starling.aggregator.VectorKernels.parallelRanges(blocks / grain + 1, dev.starling.aggregator.VectorKernels.threads(),
        (from, to) -> {
          for (int k = from * grain; k < Math.min(blocks, to * grain); k++) {
            int base = k * block;
            int end = Math.min(n, base + block);
            float s = Kernels.absMax(v, base, end);
            if (!(s <= Float.MAX_VALUE)) {
              synchronized (bad) {
                bad[0] = bad[0] < 0 ? k : Math.min(bad[0], k);
              }
              continue;
            }
            scales[k] = s;
            enc.encode(k, s, base, end);
          }
        });
    if (bad[0] >= 0) {
      Codec.requireFinite(java.util.Arrays.copyOfRange(v, bad[0] * block, Math.min(n, (bad[0] + 1) * block)));
    }
    return scales;
  }

  static float[] absMax(float[] v, int block) {
    float[] s = new float[blocks(v.length, block)];
    for (int k = 0; k < s.length; k++) {
      float m = 0;
      int end = Math.min(v.length, (k + 1) * block);
      for (int i = k * block; i < end; i++) {
        m = Math.max(m, Math.abs(v[i]));
      }
      s[k] = m;
    }
    return s;
  }

  static byte[] toBytes(float[] s) {
    ByteBuffer b = ByteBuffer.allocate(s.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(s);
    return b.array();
  }
}
