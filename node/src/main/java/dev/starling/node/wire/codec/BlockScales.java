package dev.starling.node.wire.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Per-block absolute maxima, stored as little-endian float32 on the wire. */
final class BlockScales {
  private BlockScales() {}

  static int blocks(int n, int block) {
    return (n + block - 1) / block;
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
