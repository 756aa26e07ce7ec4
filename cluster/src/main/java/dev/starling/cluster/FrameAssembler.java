package dev.starling.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
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
 * transfers are bounded: in all, and to one unfinished transfer per sender (a sender's frames
 * arrive in order, so when its next transfer starts the previous one can never finish). Only a
 * complete transfer is parsed, and its envelope must name the same sender as its frames. With TLS
 * each frame's MAC ({@link Identity#frameMac}) is checked before anything is kept for it, so
 * only the sender's own frames touch its transfers. Not thread-safe: one per receiving actor.
 */
public final class FrameAssembler {

  /**
   * Checks a frame's authenticity ({@link Identity#frameMac}) before the assembler changes any
   * state for it; throws {@link InvalidMessageException} if it fails.
   */
  @FunctionalInterface
  public interface Check {
    Check NONE = f -> {};

    void verify(Frame f);
  }

  private final int chunkBytes;
  private final long maxMessageBytes;
  private final long maxPendingBytes;
  private final IntPredicate isMember;
  private final Check check;
  private final Map<Key, Partial> partial = new LinkedHashMap<>();
  /** Each sender's unfinished transfer. */
  private final Map<Integer, Key> open = new java.util.HashMap<>();
  private long pendingBytes;

  private record Key(int sender, long transfer) {}

  /** An unfinished transfer: the payloads of its frames so far (views of the received frames, not copies). */
  private static final class Partial {
    final long total;
    final int count;
    final List<Long> parts;
    final List<ByteString> pieces = new ArrayList<>();
    int next;
    long lastNanos;

    Partial(long total, int count, List<Long> parts, long now) {
      this.total = total;
      this.count = count;
      this.parts = parts;
      this.lastNanos = now;
    }
  }

  /** At most this many attachments per envelope. */
  static final int MAX_ATTACHMENTS = 4096;

  /**
   * @param chunkBytes the largest frame payload (same on every member)
   * @param maxMessageBytes the largest envelope accepted
   * @param maxPendingBytes bytes of unfinished transfers held at once (a new transfer beyond it is dropped)
   * @param isMember which sender ids are cluster members
   */
  public FrameAssembler(int chunkBytes, long maxMessageBytes, long maxPendingBytes, IntPredicate isMember) {
    this(chunkBytes, maxMessageBytes, maxPendingBytes, isMember, Check.NONE);
  }

  /** As above, with {@code check} run on every frame before anything is kept or parsed for it. */
  public FrameAssembler(int chunkBytes, long maxMessageBytes, long maxPendingBytes, IntPredicate isMember, Check check) {
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
    this.check = check;
  }

  /**
   * An envelope ready to be framed: its bytes (the envelope, then any attachments) and, when it
   * has attachments, the sizes of those parts (empty otherwise).
   */
  public record Encoded(ByteString bytes, List<Long> parts) {
    public Encoded {
      parts = List.copyOf(parts);
    }
  }

  /** Frames of one serialized envelope without attachments; they share {@code bytes} (no copy). */
  public static List<Frame> split(int sender, long transfer, byte[] bytes, int chunkBytes) {
    return split(sender, transfer, new Encoded(UnsafeByteOperations.unsafeWrap(bytes), List.of()), chunkBytes);
  }

  /** Frames of one encoded envelope; their payloads are slices of its bytes (no copy). */
  public static List<Frame> split(int sender, long transfer, Encoded enc, int chunkBytes) {
    ByteString bytes = enc.bytes();
    int size = bytes.size();
    int count = Math.max(1, (int) ((size + (long) chunkBytes - 1) / chunkBytes));
    List<Frame> frames = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int off = i * chunkBytes;
      int len = Math.min(chunkBytes, size - off);
      Frame.Builder f = Frame.newBuilder()
          .setSender(sender)
          .setTransfer(transfer)
          .setIndex(i)
          .setCount(count)
          .setTotalBytes(size)
          .setData(bytes.substring(off, off + len));
      if (i == 0) {
        f.addAllParts(enc.parts());
      }
      frames.add(f.build());
    }
    return frames;
  }

  /**
   * The envelope ready for framing without copying its tensors: data of large ones becomes
   * attachments ({@link TensorAttachments}) that the returned bytes reference, after the encoding
   * of what is left of the envelope (small: ids, headers, small tensors).
   */
  public static Encoded encode(Envelope env) {
    List<ByteString> attachments = new ArrayList<>();
    ByteString bytes = TensorAttachments.detach(env, attachments).toByteString();
    if (attachments.isEmpty()) {
      return new Encoded(bytes, List.of());
    }
    List<Long> parts = new ArrayList<>(attachments.size() + 1);
    parts.add((long) bytes.size());
    for (ByteString a : attachments) {
      parts.add((long) a.size());
      bytes = bytes.concat(a); // a rope: the attachment is referenced, not copied
    }
    return new Encoded(bytes, parts);
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
    List<Long> parts = f.getPartsList();
    if (!parts.isEmpty()) {
      checkParts(parts, index, total, sender);
    }
    check.verify(f); // before any state changes: a forged frame must not touch the sender's transfers
    Key key = new Key(sender, f.getTransfer());
    if (count == 1) {
      return Optional.of(parse(sender, f.getData(), parts));
    }
    Partial p = partial.get(key);
    if (p != null && index == 0) {
      drop(key, p); // the sender restarted this transfer (a new incarnation reusing the id)
      p = null;
    }
    if (p == null && index == 0) {
      Key before = open.get(sender);
      if (before != null) {
        drop(before, partial.get(before)); // superseded: its remaining frames will never come
      }
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
      p = new Partial(total, count, parts, nowNanos);
      partial.put(key, p);
      open.put(sender, key);
      pendingBytes += total;
    } else if (index != p.next) {
      drop(key, p);
      throw new InvalidMessageException("frame " + index + " of transfer " + f.getTransfer() + " from node " + sender
          + " out of order (expected " + p.next + ")");
    }
    p.pieces.add(f.getData());
    p.next++;
    p.lastNanos = nowNanos;
    if (p.next < p.count) {
      return Optional.empty();
    }
    drop(key, p);
    return Optional.of(parse(sender, ByteString.copyFrom(p.pieces), p.parts)); // a rope: nothing is copied
  }

  private static void checkParts(List<Long> parts, int index, long total, int sender) {
    if (index != 0) {
      throw new InvalidMessageException("frame " + index + " from node " + sender + " lists parts (only frame 0 may)");
    }
    if (parts.size() < 2 || parts.size() > MAX_ATTACHMENTS + 1) {
      throw new InvalidMessageException("frame from node " + sender + " lists " + parts.size()
          + " parts (allowed 2.." + (MAX_ATTACHMENTS + 1) + ": the envelope and its attachments)");
    }
    long sum = 0;
    for (long part : parts) {
      if (part < 0 || part > total - sum) {
        throw new InvalidMessageException("frame from node " + sender + " lists parts " + parts + " that do not add up to its "
            + total + " bytes");
      }
      sum += part;
    }
    if (sum != total) {
      throw new InvalidMessageException("frame from node " + sender + " lists parts adding up to " + sum + " bytes, not its "
          + total);
    }
  }

  private void drop(Key key, Partial p) {
    partial.remove(key);
    open.remove(key.sender(), key);
    pendingBytes -= p.total;
  }

  /**
   * Parses an envelope from bytes nothing else writes to. Tensor bytes stay views of them: aliasing
   * needs an input protobuf knows to be immutable, which {@code newCodedInput()} of a wrapped array
   * is and {@code CodedInputStream.newInstance(byte[])} is not (that one copies every bytes field).
   */
  private static Envelope parse(int sender, ByteString bytes, List<Long> parts) {
    List<ByteString> attachments = new ArrayList<>();
    if (!parts.isEmpty()) {
      long off = parts.get(0);
      for (int i = 1; i < parts.size(); i++) {
        attachments.add(bytes.substring((int) off, (int) (off + parts.get(i))));
        off += parts.get(i);
      }
      bytes = bytes.substring(0, (int) (long) parts.get(0));
    }
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
    return TensorAttachments.attach(env, attachments, sender); // also refuses stray attachment indices
  }

  /** Drops transfers whose last frame came before {@code olderThanNanos} (stalled); returns how many. */
  public int expire(long olderThanNanos) {
    int n = 0;
    for (Iterator<Map.Entry<Key, Partial>> it = partial.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue().lastNanos - olderThanNanos < 0) {
        pendingBytes -= e.getValue().total;
        open.remove(e.getKey().sender(), e.getKey());
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
