package dev.starling.cluster;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.proto.Frame;
import java.io.IOException;
import java.io.NotSerializableException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.remote.serialization.ProtobufSerializer;
import org.apache.pekko.serialization.ByteBufferSerializer;
import scala.Option;

/**
 * Pekko's {@link ProtobufSerializer} (same identifier, same manifest, byte-for-byte the same wire
 * format) with Artery's {@link ByteBufferSerializer} path added for {@link Frame}, the message that
 * carries model bytes between members.
 *
 * <p>Why: through the plain serializer every frame is copied three times more than it has to be.
 * Sending, {@code toByteArray} allocates an array that Artery then copies into its buffer; here the
 * frame is encoded straight into Artery's buffer. Receiving, Artery copies its buffer into a fresh
 * array and {@code parseFrom(byte[])} copies the payload again; here the frame is parsed from
 * Artery's buffer. When that buffer is a heap buffer, which is what Artery's TCP and TLS transports
 * hand over (a fresh array per frame that Artery's pool never reuses: it only recycles direct
 * buffers), the payload stays a view of it and is not copied at all. A direct buffer is pooled and
 * reused, so its payload is copied out once. Everything that is not a Frame takes the parent's path.
 *
 * <p>Bound in place of Pekko's {@code proto} serializer by {@link ClusterSettings}; members running
 * the parent class read and write the same bytes.
 */
public final class ProtobufBufferSerializer extends ProtobufSerializer implements ByteBufferSerializer {

  private final ExtendedActorSystem system;

  public ProtobufBufferSerializer(ExtendedActorSystem system) {
    super(system);
    this.system = system;
  }

  @Override
  public void toBinary(Object o, ByteBuffer buf) {
    if (!(o instanceof Frame f)) {
      buf.put(toBinary(o));
      return;
    }
    if (f.getSerializedSize() > buf.remaining()) {
      throw new BufferOverflowException(); // Artery logs it as an oversized message and drops it
    }
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(buf);
      f.writeTo(out);
      out.flush(); // moves buf's position past the frame
    } catch (IOException e) {
      throw new IllegalStateException("encoding a frame into a buffer with room for it failed", e);
    }
  }

  @Override
  public Object fromBinary(ByteBuffer buf, String manifest) throws NotSerializableException {
    if (!Frame.class.getName().equals(manifest)) {
      byte[] bytes = new byte[buf.remaining()];
      buf.get(bytes);
      return fromBinary(bytes, Option.apply(classFor(manifest)));
    }
    try {
      if (buf.hasArray()) { // a fresh array per frame: alias the payload
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(buf.array(), buf.arrayOffset() + buf.position(),
            buf.remaining()).newCodedInput();
        in.enableAliasing(true);
        Frame f = Frame.parseFrom(in);
        buf.position(buf.limit());
        return f;
      }
      return Frame.parseFrom(buf); // pooled direct buffer: the payload is copied out
    } catch (IOException e) {
      NotSerializableException n = new NotSerializableException("malformed Frame: " + e.getMessage());
      n.initCause(e);
      throw n;
    }
  }

  private Class<?> classFor(String manifest) throws NotSerializableException {
    try {
      return Class.forName(manifest, false, system.dynamicAccess().classLoader());
    } catch (ClassNotFoundException e) {
      throw new NotSerializableException("unknown protobuf class " + manifest);
    }
  }
}
