package dev.starling.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Tensor;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Moves large tensor data out of an envelope before it is framed, and puts it back after.
 *
 * <p>Why: a protobuf {@code bytes} field is parsed into one contiguous array, so an envelope that
 * arrived in frames had to be copied into one buffer first, allocating and filling a model-sized
 * array per message. Sent as attachments (the envelope, then each tensor's data, back to back in
 * the same frames), the data is rejoined on the receiving side as a rope over the frames' own
 * payloads: no copy and no allocation of its size. The envelope itself stays protobuf: a moved
 * tensor carries {@code attachment = k} instead of its data.
 *
 * <p>Untrusted on the way in: every {@code attachment} index must name an attachment that exists,
 * each attachment must be claimed exactly once, and a tensor claiming one must carry no data.
 */
public final class TensorAttachments {

  /** Tensor data of at least this many bytes travels as an attachment. */
  public static final int MIN_BYTES = 64 * 1024;

  private static final Descriptor TENSOR = Tensor.getDescriptor();
  private static final Map<Descriptor, Boolean> HOLDS_TENSOR = new ConcurrentHashMap<>();

  private TensorAttachments() {}

  /** {@code env} with the data of large tensors moved to {@code out} (in order; tensor k names index k). */
  public static Envelope detach(Envelope env, List<ByteString> out) {
    return (Envelope) detach((Message) env, out);
  }

  private static Message detach(Message m, List<ByteString> out) {
    if (m instanceof Tensor t) {
      if (t.getData().size() < MIN_BYTES) {
        return t;
      }
      out.add(t.getData());
      return t.toBuilder().clearData().setAttachment(out.size()).build();
    }
    return rebuild(m, c -> detach(c, out));
  }

  /**
   * The envelope with every attachment back in the tensor that names it.
   *
   * @throws InvalidMessageException if an index is out of range, claimed twice or never, or a
   *     tensor both names an attachment and carries data
   */
  public static Envelope attach(Envelope skeleton, List<ByteString> attachments, int sender) {
    boolean[] used = new boolean[attachments.size()];
    Envelope env = (Envelope) rebuild(skeleton, c -> attach(c, attachments, used, sender));
    for (int k = 0; k < used.length; k++) {
      if (!used[k]) {
        throw new InvalidMessageException("attachment " + (k + 1) + " of " + used.length + " from node " + sender
            + " is claimed by no tensor");
      }
    }
    return env;
  }

  private static Message attach(Message m, List<ByteString> attachments, boolean[] used, int sender) {
    if (m instanceof Tensor t) {
      int k = t.getAttachment();
      if (k == 0) {
        return t;
      }
      if (k < 0 || k > attachments.size()) {
        throw new InvalidMessageException("tensor names attachment " + Integer.toUnsignedString(k) + " but node " + sender
            + " sent " + attachments.size());
      }
      if (used[k - 1]) {
        throw new InvalidMessageException("attachment " + k + " from node " + sender + " is claimed twice");
      }
      if (!t.getData().isEmpty()) {
        throw new InvalidMessageException("tensor from node " + sender + " names attachment " + k + " and carries data");
      }
      used[k - 1] = true;
      return t.toBuilder().clearAttachment().setData(attachments.get(k - 1)).build();
    }
    return rebuild(m, c -> attach(c, attachments, used, sender));
  }

  /** {@code m} with {@code f} applied to every sub-message that may hold a tensor; {@code m} itself if none changed. */
  private static Message rebuild(Message m, java.util.function.UnaryOperator<Message> f) {
    if (!holdsTensor(m.getDescriptorForType())) {
      return m;
    }
    Message.Builder b = null;
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor fd = e.getKey();
      if (fd.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !holdsTensor(fd.getMessageType())) {
        continue;
      }
      if (fd.isRepeated()) {
        List<?> list = (List<?>) e.getValue();
        for (int i = 0; i < list.size(); i++) {
          Message c = (Message) list.get(i);
          Message r = f.apply(c);
          if (r != c) {
            b = b == null ? m.toBuilder() : b;
            b.setRepeatedField(fd, i, r);
          }
        }
      } else {
        Message c = (Message) e.getValue();
        Message r = f.apply(c);
        if (r != c) {
          b = b == null ? m.toBuilder() : b;
          b.setField(fd, r);
        }
      }
    }
    return b == null ? m : b.build();
  }

  /** Whether a message of type {@code d} can contain a Tensor at any depth (memoized; schemas are fixed). */
  static boolean holdsTensor(Descriptor d) {
    Boolean known = HOLDS_TENSOR.get(d);
    if (known != null) {
      return known;
    }
    Set<Descriptor> seen = new HashSet<>();
    ArrayDeque<Descriptor> todo = new ArrayDeque<>(List.of(d));
    boolean found = false;
    while (!todo.isEmpty() && !found) {
      Descriptor x = todo.pop();
      if (x.equals(TENSOR)) {
        found = true;
      } else if (seen.add(x)) {
        for (FieldDescriptor fd : x.getFields()) {
          if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            todo.push(fd.getMessageType());
          }
        }
      }
    }
    HOLDS_TENSOR.put(d, found);
    return found;
  }
}
