package dev.starling.node.wire.codec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API versions of the codec kernels (C2 does not auto-vectorize their float-bit
 * arithmetic). Loaded only through {@link Kernels} when {@code jdk.incubator.vector} is in the boot
 * layer; results are bit-identical to the scalar kernels.
 */
final class SimdKernels {
  private SimdKernels() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  static float absMax(float[] v, int from, int to) {
    FloatVector acc = FloatVector.zero(F);
    int i = from;
    int upper = from + F.loopBound(to - from);
    for (; i < upper; i += F.length()) {
      acc = acc.max(FloatVector.fromArray(F, v, i).abs());
    }
    float m = acc.reduceLanes(VectorOperators.MAX);
    for (; i < to; i++) {
      float a = Math.abs(v[i]);
      m = a > m || a != a ? a : m;
    }
    return m <= Float.MAX_VALUE ? m : Float.POSITIVE_INFINITY;
  }

  /** E3M0 codes of v[from, to) into codes[0, to - from) as ints (sign << 3 | e). */
  static void e3m0Codes(float[] v, int from, int to, float inv, int[] codes) {
    int i = from;
    int upper = from + F.loopBound(to - from);
    for (; i < upper; i += F.length()) {
      FloatVector x = FloatVector.fromArray(F, v, i);
      IntVector bits = x.abs().mul(inv).reinterpretAsInts();
      IntVector e = bits.add(0x3FFFFF).lanewise(VectorOperators.LSHR, 23).sub(120).max(0);
      VectorMask<Integer> upToSmallest = bits.compare(VectorOperators.GT, 0x3C000000).and(e.compare(VectorOperators.EQ, 0));
      e = e.blend(1, upToSmallest);
      IntVector sign = x.reinterpretAsInts().lanewise(VectorOperators.LSHR, 31).lanewise(VectorOperators.LSHL, 3);
      e.or(sign).intoArray(codes, i - from);
    }
    for (; i < to; i++) {
      codes[i - from] = Kernels.e3m0CodeScalar(v[i], inv);
    }
  }
}
