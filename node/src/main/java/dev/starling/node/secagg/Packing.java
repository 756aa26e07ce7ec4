package dev.starling.node.secagg;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.InvalidMessageException;

/** Elements modulo 2^bits packed at exactly {@code bits} bits each, little-endian bit order. */
public final class Packing {
  private Packing() {}

  public static ByteString pack(long[] v, int bits) {
    byte[] out = new byte[(int) (((long) v.length * bits + 7) / 8)];
    long pos = 0;
    for (long x : v) {
      for (int b = 0; b < bits; b++, pos++) {
        if ((x >>> b & 1) != 0) {
          out[(int) (pos >>> 3)] |= (byte) (1 << (pos & 7));
        }
      }
    }
    return UnsafeByteOperations.unsafeWrap(out);
  }

  public static long[] unpack(ByteString data, int n, int bits) {
    long need = ((long) n * bits + 7) / 8;
    if (data.size() != need) {
      throw new InvalidMessageException(n + " elements at " + bits + " bits need " + need + " bytes, got " + data.size());
    }
    byte[] b = data.toByteArray();
    long[] out = new long[n];
    long pos = 0;
    for (int i = 0; i < n; i++) {
      long x = 0;
      for (int k = 0; k < bits; k++, pos++) {
        x |= (long) ((b[(int) (pos >>> 3)] >> (pos & 7)) & 1) << k;
      }
      out[i] = x;
    }
    return out;
  }

  /** {@code v} reduced modulo 2^bits in place (bits = 64: unchanged). */
  public static void reduce(long[] v, int bits) {
    if (bits < 64) {
      long m = (1L << bits) - 1;
      for (int i = 0; i < v.length; i++) {
        v[i] &= m;
      }
    }
  }
}
