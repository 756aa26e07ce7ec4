package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import java.io.NotSerializableException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.remote.serialization.ProtobufSerializer;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProtobufBufferSerializerTest {

  private static ActorSystem system;
  private static ProtobufBufferSerializer ser;

  @BeforeAll
  static void start() throws Exception {
    // The serializer settings ClusterSettings applies, on a local actor system.
    var cluster = new ClusterSettings("s", "127.0.0.1", 0, java.util.List.of(), null, 256 * 1024, 1 << 20).pekkoConfig();
    system = ActorSystem.create("serializer-test", ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(cluster.withOnlyPath("pekko.actor.serializers").atPath("x").getConfig("x")
            .withFallback(cluster.withOnlyPath("pekko.actor.serialization-identifiers").atPath("x").getConfig("x"))
            .withFallback(cluster.withOnlyPath("pekko.actor.serialization-bindings").atPath("x").getConfig("x")))
        .withFallback(ConfigFactory.load()));
    Serializer bound = SerializationExtension.get(system).serializerFor(Frame.class);
    ser = assertInstanceOf(ProtobufBufferSerializer.class, bound);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static Frame frame(int payload) {
    byte[] data = new byte[payload];
    for (int i = 0; i < payload; i++) {
      data[i] = (byte) (i * 31);
    }
    return Frame.newBuilder().setSender(2).setTransfer(7).setIndex(1).setCount(3).setTotalBytes(3L * payload)
        .setData(ByteString.copyFrom(data)).build();
  }

  @Test
  void isPekkosProtobufSerializerOnTheWire() {
    Frame f = frame(5000);
    assertEquals(2, ser.identifier()); // Pekko's id for "proto"
    byte[] pekko = new ProtobufSerializer((ExtendedActorSystem) system).toBinary(f);
    ByteBuffer heap = ByteBuffer.allocate(8192);
    ser.toBinary(f, heap);
    assertArrayEquals(pekko, Arrays.copyOf(heap.array(), heap.position()));
    ByteBuffer direct = ByteBuffer.allocateDirect(8192);
    direct.position(100); // Artery writes after its own header
    ser.toBinary(f, direct);
    assertEquals(100 + pekko.length, direct.position());
    byte[] written = new byte[pekko.length];
    direct.flip().position(100);
    direct.get(written);
    assertArrayEquals(pekko, written);
  }

  @Test
  void readsFramesFromHeapBuffersWithoutCopyingAndFromPooledDirectBuffersByCopying() throws Exception {
    Frame f = frame(3000);
    byte[] wire = f.toByteArray();
    byte[] arr = new byte[wire.length + 16];
    System.arraycopy(wire, 0, arr, 16, wire.length);
    ByteBuffer heap = ByteBuffer.wrap(arr, 16, wire.length);
    Frame got = (Frame) ser.fromBinary(heap, Frame.class.getName());
    assertEquals(f, got);
    assertEquals(heap.limit(), heap.position());
    arr[arr.length - 1] ^= 1; // the payload is a view of Artery's fresh per-frame array
    assertEquals(arr[arr.length - 1], got.getData().byteAt(got.getData().size() - 1));

    ByteBuffer direct = ByteBuffer.allocateDirect(wire.length);
    direct.put(wire).flip();
    Frame copied = (Frame) ser.fromBinary(direct, Frame.class.getName());
    direct.clear();
    direct.put(new byte[wire.length]); // Artery reuses pooled direct buffers: the frame must not change
    assertEquals(f, copied);
  }

  @Test
  void refusesWhatDoesNotFitOrDoesNotParse() {
    assertThrows(BufferOverflowException.class, () -> ser.toBinary(frame(5000), ByteBuffer.allocate(4000)));
    byte[] junk = {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x0f, 1, 2};
    assertThrows(NotSerializableException.class, () -> ser.fromBinary(ByteBuffer.wrap(junk), Frame.class.getName()));
    assertThrows(NotSerializableException.class, () -> ser.fromBinary(ByteBuffer.wrap(junk), "no.such.Message"));
  }

  @Test
  void leavesOtherProtobufMessagesToPekkosPath() throws Exception {
    Envelope env = Envelope.newBuilder().setSender(1).setSeq(4).build();
    ByteBuffer buf = ByteBuffer.allocate(64);
    ser.toBinary(env, buf);
    buf.flip();
    assertEquals(env, ser.fromBinary(buf, Envelope.class.getName()));
  }
}
