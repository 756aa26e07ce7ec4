package dev.starling.node.dl;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.PeerView;
import dev.starling.sampling.modest.View;

/** MoDeST views to and from the wire, validating what arrives before any of it is used. */
public final class PeerViews {
  private PeerViews() {}

  public static PeerView encode(View view) {
    PeerView.Builder b = PeerView.newBuilder();
    byte[] leave = new byte[(view.size() + 7) / 8];
    int[] prev = {-1};
    int[] i = {0};
    view.forEach((id, lastActive, membership, left) -> {
      b.addIdGaps(prev[0] < 0 ? id : id - prev[0]);
      prev[0] = id;
      b.addLastActive((int) lastActive);
      b.addMembership((int) membership);
      if (left) {
        leave[i[0] >>> 3] |= (byte) (1 << (i[0] & 7));
      }
      i[0]++;
    });
    return b.setLeave(ByteString.copyFrom(leave)).build();
  }

  /**
   * @param maxId ids at or above this are rejected (the population bound the node accepts)
   * @throws InvalidMessageException for inconsistent columns, non-increasing or out-of-range ids
   */
  public static View decode(PeerView v, int maxId) throws InvalidMessageException {
    int n = v.getIdGapsCount();
    if (v.getLastActiveCount() != n || v.getMembershipCount() != n) {
      throw new InvalidMessageException("view columns differ in length: ids " + n + ", last_active "
          + v.getLastActiveCount() + ", membership " + v.getMembershipCount());
    }
    if (v.getLeave().size() != (n + 7) / 8) {
      throw new InvalidMessageException("view leave bits: " + v.getLeave().size() + " bytes for " + n + " entries, expected "
          + (n + 7) / 8);
    }
    View.Builder b = new View.Builder();
    long id = -1;
    for (int i = 0; i < n; i++) {
      long gap = Integer.toUnsignedLong(v.getIdGaps(i));
      if (i > 0 && gap == 0) {
        throw new InvalidMessageException("view ids must increase strictly (entry " + i + ")");
      }
      id = i == 0 ? gap : id + gap;
      if (id >= maxId) {
        throw new InvalidMessageException("view id " + id + " at entry " + i + " out of range (allowed: 0.." + (maxId - 1) + ")");
      }
      int last = v.getLastActive(i);
      long membership = Integer.toUnsignedLong(v.getMembership(i));
      if (last < -1 || last == Integer.MAX_VALUE || membership >= (1L << 30)) {
        throw new InvalidMessageException("view entry " + i + " out of range: last_active " + last + " (-1..2^31-2),"
            + " membership " + membership + " (< 2^30)");
      }
      boolean leave = (v.getLeave().byteAt(i >>> 3) & (1 << (i & 7))) != 0;
      b.add((int) id, last, membership, leave);
    }
    return b.build();
  }
}
