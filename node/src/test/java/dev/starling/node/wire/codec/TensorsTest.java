package dev.starling.node.wire.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.Tensor;
import org.junit.jupiter.api.Test;

class TensorsTest {

  @Test
  void fp32RoundTripsThroughTheWire() throws Exception {
    float[] v = {0f, -1.5f, 3.25e-7f, Float.MAX_VALUE, -0f};
    Envelope env = Envelope.newBuilder().setSender(3).setModelUpdate(
        ModelUpdate.newBuilder().setRound(2).setDelta(Tensors.fp32(v)).setNumSamples(10)).build();
    Envelope back = Envelope.parseFrom(env.toByteArray());
    assertArrayEquals(v, Tensors.decode(back.getModelUpdate().getDelta(), v.length));
    // 4 bytes per value plus a small header
    assertTrue(env.getSerializedSize() > 20 && env.getSerializedSize() < 20 + 40);
    // little-endian: v[1] = -1.5f = 0xBFC00000 occupies bytes 4..7 as 00 00 C0 BF
    assertEquals(0xC0, Tensors.fp32(v).getData().byteAt(6) & 0xff);
    assertEquals(0xBF, Tensors.fp32(v).getData().byteAt(7) & 0xff);
  }

  @Test
  void untrustedTensorsAreValidated() {
    Tensor ok = Tensors.fp32(new float[] {1, 2, 3});
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(ok, 4));
    Tensor shortData = ok.toBuilder().setData(ok.getData().substring(0, 8)).build();
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(shortData, 3));
    Tensor nan = Tensors.fp32(new float[] {1, Float.NaN, 3});
    InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> Tensors.decode(nan, 3));
    assertTrue(e.getMessage().contains("NaN"));
    Tensor inf = Tensors.fp32(new float[] {Float.POSITIVE_INFINITY});
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(inf, 1));
    Tensor unknown = Tensor.newBuilder().setLength(1).setEncodingValue(99).setData(ByteString.copyFrom(new byte[4])).build();
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(unknown, 1));
    Tensor unspecified = ok.toBuilder().setEncoding(Encoding.ENCODING_UNSPECIFIED).build();
    assertThrows(InvalidMessageException.class, () -> Tensors.decode(unspecified, 3));
  }
}
