package dev.starling.node.wire.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.Tensor;
import dev.starling.privacy.rqm.RqmParams;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class CodecsTest {

  private static UniformRandomProvider rng(long s) {
    return RandomSource.XO_RO_SHI_RO_128_PP.create(s);
  }

  private static float[] gaussian(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (1e-3 * (r.nextDouble() * 2 - 1) * (1 + 10 * r.nextDouble()));
    }
    return v;
  }

  /** Through real protobuf bytes and back. */
  private static float[] roundTrip(Tensor t, int n) throws Exception {
    Envelope env = Envelope.newBuilder().setModelUpdate(ModelUpdate.newBuilder().setDelta(t)).build();
    return Tensors.decode(Envelope.parseFrom(env.toByteArray()).getModelUpdate().getDelta(), n);
  }

  @Test
  void e3m0TestVectorsOfTheSpec() throws Exception {
    float[] x = {0f, 1.0f, -1.0f, 0.5f, 0.75f, 0.76f, 0.3f, -0.2f, 0.01f, 0.0078f};
    int[] codes = {0x0, 0x7, 0xF, 0x6, 0x6, 0x7, 0x5, 0xD, 0x1, 0x0};
    Tensor t = new E3m0Codec(x.length, false).encode(x, null);
    byte[] b = t.getData().toByteArray();
    for (int i = 0; i < x.length; i++) {
      assertEquals(codes[i], (b[i >> 1] >> ((i & 1) * 4)) & 0xF, "code of " + x[i]);
    }
    // the block scale is the absmax (1.0), so decoded values are exactly the levels
    assertArrayEquals(new float[] {0, 1, -1, 0.5f, 0.5f, 1, 0.25f, -0.25f, 0x1p-6f, 0}, roundTrip(t, x.length));
    assertEquals(4, t.getScales().size()); // one float32 scale for the one block
    assertEquals(5, b.length); // ten 4-bit codes
  }

  @Test
  void everyCodecRoundTripsWithinItsErrorBound() throws Exception {
    int n = 10_001; // not a multiple of the block
    float[] v = gaussian(n, 3);
    for (Codec c : List.of(new Fp32Codec(), new Bf16Codec(false), new Int8Codec(128, false), new E3m0Codec(128, false),
        new RqmCodec(new RqmParams(0.02, 0.02, 16, 0.5)))) {
      float[] back = roundTrip(c.encode(v, rng(1)), n);
      for (int i = 0; i < n; i++) {
        float bound = switch (c.name()) {
          case "fp32" -> 0f;
          case "bf16" -> Math.abs(v[i]) * 0x1p-8f;
          case "int8" -> blockMax(v, i, 128) / 254f * 1.0001f;
          case "e3m0" -> Math.max(Math.abs(v[i]) / 3, blockMax(v, i, 128) * 0x1p-7f) * 1.0001f;
          default -> 0.08f; // RQM: within the outer range
        };
        assertTrue(Math.abs(back[i] - v[i]) <= bound, c.name() + " at " + i + ": " + v[i] + " -> " + back[i]);
      }
    }
  }

  private static float blockMax(float[] v, int i, int block) {
    float m = 0;
    int k = i / block;
    for (int j = k * block; j < Math.min(v.length, (k + 1) * block); j++) {
      m = Math.max(m, Math.abs(v[j]));
    }
    return m;
  }

  @Test
  void sizesOnTheWireAreTheAdvertisedBits() {
    int n = 1 << 16;
    float[] v = gaussian(n, 5);
    assertEquals(4.0 * n, new Fp32Codec().encode(v, null).getData().size(), 0);
    assertEquals(2.0 * n, new Bf16Codec(false).encode(v, null).getData().size(), 0);
    Tensor e = new E3m0Codec(128, false).encode(v, null);
    double bitsPerValue = 8.0 * (e.getData().size() + e.getScales().size()) / n;
    assertEquals(4.25, bitsPerValue, 1e-9);
    Tensor i8 = new Int8Codec(128, false).encode(v, null);
    assertEquals(8.25, 8.0 * (i8.getData().size() + i8.getScales().size()) / n, 1e-9);
  }

  @Test
  void stochasticRoundingIsUnbiased() throws Exception {
    float[] v = {0.3f, -0.61f, 0.011f, 1.0f};
    for (Codec c : List.of(new E3m0Codec(4, true), new Int8Codec(4, true), new Bf16Codec(true))) {
      double[] sum = new double[v.length];
      int trials = 40_000;
      UniformRandomProvider r = rng(9);
      for (int t = 0; t < trials; t++) {
        float[] back = Tensors.decode(c.encode(v, r), v.length);
        for (int i = 0; i < v.length; i++) {
          sum[i] += back[i];
        }
      }
      for (int i = 0; i < v.length; i++) {
        assertEquals(v[i], sum[i] / trials, 0.004, c.name() + " mean of " + v[i]);
      }
    }
  }

  @Test
  void nonFiniteInputIsRejectedBeforeEncoding() {
    float[] bad = {1, Float.NaN};
    for (Codec c : List.of(new Fp32Codec(), new Bf16Codec(false), new Int8Codec(128, false), new E3m0Codec(128, false))) {
      assertThrows(IllegalArgumentException.class, () -> c.encode(bad, rng(1)));
    }
  }

  @Test
  void malformedTensorsAreRejected() {
    Tensor ok = new E3m0Codec(128, false).encode(gaussian(300, 1), null);
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(ok.toBuilder().setBlockSize(0).build(), 300));
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(ok.toBuilder().setScales(ByteString.copyFrom(new byte[8])).build(), 300));
    byte[] negScale = ok.getScales().toByteArray();
    negScale[3] = (byte) 0xBF; // sign bit of the first little-endian float
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(ok.toBuilder().setScales(ByteString.copyFrom(negScale)).build(), 300));
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(ok.toBuilder().setData(ok.getData().substring(1)).build(), 300));
    Tensor i8 = new Int8Codec(128, false).encode(gaussian(300, 1), null);
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(i8, 301));
  }
}
