package dev.starling.node.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts flat float vectors to and from {@link Tensor} messages. Decoding validates untrusted
 * input: declared and actual sizes must agree and every value must be finite.
 */
public final class Tensors {

  private Tensors() {}

  /** FP32 little-endian encoding; the byte array is wrapped, not copied. */
  public static Tensor fp32(float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return Tensor.newBuilder()
        .setLength(values.length)
        .setEncoding(Encoding.FP32)
        .setData(UnsafeByteOperations.unsafeWrap(buf.array()))
        .build();
  }

  /**
   * Decodes a tensor that must hold exactly {@code expectedLength} finite values.
   *
   * @throws InvalidMessageException naming what is wrong
   */
  public static float[] decode(Tensor t, int expectedLength) {
    if (t.getLength() != expectedLength) {
      throw new InvalidMessageException(
          "tensor length " + Integer.toUnsignedString(t.getLength()) + ", expected " + expectedLength);
    }
    float[] out;
    switch (t.getEncoding()) {
      case FP32 -> {
        ByteString data = t.getData();
        if (data.size() != expectedLength * 4L) {
          throw new InvalidMessageException(
              "FP32 tensor of length " + expectedLength + " carries " + data.size() + " bytes, expected " + expectedLength * 4L);
        }
        out = new float[expectedLength];
        data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      }
      default -> throw new InvalidMessageException("unsupported tensor encoding " + t.getEncodingValue());
    }
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new InvalidMessageException("tensor value " + i + " is " + out[i] + " (NaN and Inf are rejected)");
      }
    }
    return out;
  }
}
