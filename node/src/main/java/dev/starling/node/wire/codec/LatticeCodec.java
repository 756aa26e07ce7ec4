package dev.starling.node.wire.codec;

import dev.starling.node.wire.proto.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Fixed-point encoding on a lattice: each value clipped to [-clip, clip] and rounded to one of
 * 2^bits equally spaced levels (to the nearest, or stochastically and unbiased), sent as level
 * indices. Level indices sum exactly as integers, so this is the encoding under which float
 * updates go through secure aggregation, and sent in the clear it is the baseline a SecAgg run
 * equals bit for bit.
 */
public final class LatticeCodec implements Codec {
  private final int bits;
  private final double clip;
  private final boolean stochastic;

  public LatticeCodec(int bits, double clip, boolean stochastic) {
    if (bits < 1 || bits > 16 || !(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("lattice codec needs 1..16 bits and a finite clip > 0, got " + bits + ", " + clip);
    }
    this.bits = bits;
    this.clip = clip;
    this.stochastic = stochastic;
  }

  public int levels() {
    return 1 << bits;
  }

  public double clip() {
    return clip;
  }

  @Override
  public Tensor encode(float[] values, UniformRandomProvider rng) {
    Codec.requireFinite(values);
    int levels = levels();
    double step = 2 * clip / (levels - 1);
    int[] z = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      double x = Math.max(-clip, Math.min(clip, values[i]));
      double pos = (x + clip) / step;
      double lo = Math.floor(pos);
      int k = (int) lo;
      if (stochastic) {
        k += rng.nextDouble() < pos - lo ? 1 : 0;
      } else {
        k += pos - lo >= 0.5 ? 1 : 0;
      }
      z[i] = Math.min(levels - 1, k);
    }
    return Tensors.lattice(z, levels, clip);
  }

  @Override
  public String name() {
    return "lattice";
  }
}
