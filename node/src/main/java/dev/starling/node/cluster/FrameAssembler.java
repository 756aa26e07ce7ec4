package dev.starling.node.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Cuts serialized envelopes into {@link Frame}s and puts them back together on the other side.
 *
 * <p>Frames come from the network, so every field is checked against this node's limits before
 * anything is allocated or parsed: the sender must be a cluster member, the announced size at most
 * {@code maxMessageBytes}, the frame count must match the size and the chunk size, frames of one
 * transfer must arrive in order (Artery keeps order per stream), and the bytes held for unfinished
 * transfers are bounded. Only a complete transfer is parsed, and its envelope must name the same
 * sender as its frames. Not thread-safe: one per receiving actor.
 */
public final class FrameAssembler {

  private final int chunkBytes;
  private final long maxMessageBytes;
  private final long maxPendingBytes;
  private final IntPredicate isMember;
  private final Map<Key, Partial> partial = new LinkedHashMap<>();
  private long pendingBytes;

  private record Key(int sender, long transfer) {}

  private static final class Partial {
    final byte[] buf;
    final int count;
    int next;
    int filled;
    final long startedNanos;

    Partial(int size, int count, long now) {
      this.buf = new byte[size];
      this.count = count;
      this.startedNanos = now;
    }
  }

  /**
   * @param chunkBytes the largest frame payload (same on every member)
   * @param maxMessageBytes the largest envelope accepted
   * @param maxPendingBytes bytes of unfinished transfers held at once (a new transfer beyond it is dropped)
   * @param isMember which sender ids are cluster members
   */
  public FrameAssembler(int chunkBytes, long maxMessageBytes, long maxPendingBytes, IntPredicate isMember) {
    if (chunkBytes < 1024) {
      throw new IllegalArgumentException("chunk size must be >= 1024 bytes, got " + chunkBytes);
    }
    if (maxMessageBytes < 1 || maxMessageBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("max message size must be in 1.." + (Integer.MAX_VALUE - 16) + ", got " + maxMessageBytes);
    }
    this.chunkBytes = chunkBytes;
    this.maxMessageBytes = maxMessageBytes;
    this.maxPendingBytes = Math.max(maxPendingBytes, maxMessageBytes);
    this.isMember = isMember;
  }

  /** Frames of one serialized envelope; they share {@code bytes} (no copy). */
  public static List<Frame> split(int sender, long transfer, byte[] bytes, int chunkBytes) {
    return split(sender, transfer, UnsafeByteOperations.unsafeWrap(bytes), chunkBytes);
  }

  /** Frames of one serialized envelope; their payloads are slices of {@code bytes} (no copy). */
  public static List<Frame> split(int sender, long transfer, ByteString bytes, int chunkBytes) {
    int size = bytes.size();
    int count = Math.max(1, (int) ((size + (long) chunkBytes - 1) / chunkBytes));
    List<Frame> frames = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int off = i * chunkBytes;
      int len = Math.min(chunkBytes, size - off);
      frames.add(Frame.newBuilder()
          .setSender(sender)
          .setTransfer(transfer)
          .setIndex(i)
          .setCount(count)
          .setTotalBytes(size)
          .setData(bytes.substring(off, off + len))
          .build());
    }
    return frames;
  }

  /**
   * The envelope's protobuf encoding without copying its large {@code bytes} fields: a rope whose
   * small pieces are copied and whose pieces above {@link #COPY_BELOW} bytes are views of the
   * arrays behind the message's own byte strings (immutable, like every ByteString). Equal, byte
   * for byte, to {@code env.toByteString()}; a 100 MB model costs no 100 MB array to send.
   *
   * <p>It relies on protobuf's stream encoder, which hands a write longer than its buffer straight
   * to the stream from the caller's array, and otherwise writes only from its own buffer, never
   * more than the buffer's size at a time; so a long write can only be message content.
   */
  public static ByteString encode(Envelope env) {
    RopeOutput rope = new RopeOutput();
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(rope, COPY_BELOW);
      env.writeTo(out);
      out.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // RopeOutput does not throw
    }
    return rope.bytes;
  }

  /** Encoder buffer size; longer writes are referenced rather than copied. */
  static final int COPY_BELOW = 8192;

  private static final class RopeOutput extends java.io.OutputStream {
    ByteString bytes = ByteString.EMPTY;

    @Override
    public void write(int b) {
      bytes = bytes.concat(ByteString.copyFrom(new byte[] {(byte) b}));
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (len > 0) {
        bytes = bytes.concat(len > COPY_BELOW ? UnsafeByteOperations.unsafeWrap(b, off, len) : ByteString.copyFrom(b, off, len));
      }
    }
  }

  /**
   * Takes one frame.
   *
   * @return the envelope when this frame completed one, empty while a transfer is unfinished
   * @throws InvalidMessageException when the frame or the envelope it completes is invalid (the
   *     transfer is dropped; the message names what is wrong)
   */
  public Optional<Envelope> accept(Frame f, long nowNanos) {
    int sender = f.getSender();
    if (!isMember.test(sender)) {
      throw new InvalidMessageException("frame from unknown sender " + sender);
    }
    long total = f.getTotalBytes();
    if (total < 0 || total > maxMessageBytes) {
      throw new InvalidMessageException("frame announces a " + Long.toUnsignedString(total) + "-byte message from node "
          + sender + " (allowed up to " + maxMessageBytes + ")");
    }
    int expectedCount = Math.max(1, (int) ((total + chunkBytes - 1) / chunkBytes));
    int count = f.getCount();
    if (count != expectedCount) {
      throw new InvalidMessageException("frame count " + Integer.toUnsignedString(count) + " for a " + total
          + "-byte message from node " + sender + ", expected " + expectedCount + " at " + chunkBytes + " bytes per frame");
    }
    int index = f.getIndex();
    if (index < 0 || index >= count) {
      throw new InvalidMessageException("frame index " + Integer.toUnsignedString(index) + " of " + count + " from node " + sender);
    }
    long expectedLen = index < count - 1 ? chunkBytes : total - (long) (count - 1) * chunkBytes;
    if (f.getData().size() != expectedLen) {
      throw new InvalidMessageException("frame " + index + " of " + count + " from node " + sender + " carries "
          + f.getData().size() + " bytes, expected " + expectedLen);
    }
    Key key = new Key(sender, f.getTransfer());
    if (count == 1) {
      return Optional.of(parse(sender, f.getData()));
    }
    Partial p = partial.get(key);
    if (p != null && index == 0) {
      drop(key, p); // the sender restarted this transfer (a new incarnation reusing the id)
      p = null;
    }
    if (p == null) {
      if (index != 0) {
        throw new InvalidMessageException("frame " + index + " of transfer " + f.getTransfer() + " from node " + sender
            + " without its start (dropped earlier or out of order)");
      }
      if (pendingBytes + total > maxPendingBytes) {
        throw new InvalidMessageException("transfer of " + total + " bytes from node " + sender + " would hold "
            + (pendingBytes + total) + " bytes of unfinished transfers (allowed " + maxPendingBytes + ")");
      }
      p = new Partial((int) total, count, nowNanos);
      partial.put(key, p);
      pendingBytes += total;
    } else if (index != p.next) {
      drop(key, p);
      throw new InvalidMessageException("frame " + index + " of transfer " + f.getTransfer() + " from node " + sender
          + " out of order (expected " + p.next + ")");
    }
    f.getData().copyTo(p.buf, p.filled);
    p.filled += f.getData().size();
    p.next++;
    if (p.next < p.count) {
      return Optional.empty();
    }
    drop(key, p);
    return Optional.of(parse(sender, UnsafeByteOperations.unsafeWrap(p.buf)));
  }

  private void drop(Key key, Partial p) {
    partial.remove(key);
    pendingBytes -= p.buf.length;
  }

  /**
   * Parses an envelope from bytes nothing else writes to. Tensor bytes stay views of them: aliasing
   * needs an input protobuf knows to be immutable, which {@code newCodedInput()} of a wrapped array
   * is and {@code CodedInputStream.newInstance(byte[])} is not (that one copies every bytes field).
   */
  private static Envelope parse(int sender, ByteString bytes) {
    Envelope env;
    try {
      CodedInputStream in = bytes.newCodedInput();
      in.enableAliasing(true);
      in.setSizeLimit(bytes.size());
      env = Envelope.parseFrom(in);
    } catch (java.io.IOException e) { // InvalidProtocolBufferException and friends
      throw new InvalidMessageException("malformed envelope of " + bytes.size() + " bytes from node " + sender + ": "
          + e.getMessage());
    }
    if (env.getSender() != sender) {
      throw new InvalidMessageException("envelope claims sender " + env.getSender() + " inside frames from node " + sender);
    }
    if (env.getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
      throw new InvalidMessageException("envelope without a body (or of a newer version) from node " + sender);
    }
    return env;
  }

  /** Drops transfers started before {@code olderThanNanos}; returns how many. */
  public int expire(long olderThanNanos) {
    int n = 0;
    for (Iterator<Map.Entry<Key, Partial>> it = partial.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue().startedNanos - olderThanNanos < 0) {
        pendingBytes -= e.getValue().buf.length;
        it.remove();
        n++;
      }
    }
    return n;
  }

  /** Bytes held for unfinished transfers. */
  public long pendingBytes() {
    return pendingBytes;
  }
}
