package dev.starling.sampling.modest;

/**
 * What a MoDeST node knows of one peer (modest.md section 1.2): the last round it was seen
 * active, the index of its latest membership change, and whether that change was a JOIN or a
 * LEAVE.
 */
public record ViewEntry(long lastActiveRound, long membershipIndex, Status status) {

  /** Membership status. */
  public enum Status {
    JOIN,
    LEAVE
  }

  /** Every node's initial entry for the initial participants: (-1, 0, JOIN). */
  public static final ViewEntry INITIAL = new ViewEntry(-1, 0, Status.JOIN);

  /**
   * The merge rule of section 1.7: the later activity wins; a newer membership index replaces
   * index and status but keeps the merged activity (the original code wrongly overwrote the
   * activity with the membership index, fixed upstream on 2023-05-04).
   */
  public ViewEntry merge(ViewEntry other) {
    long active = Math.max(lastActiveRound, other.lastActiveRound);
    if (other.membershipIndex > membershipIndex) {
      return new ViewEntry(active, other.membershipIndex, other.status);
    }
    return active == lastActiveRound ? this : new ViewEntry(active, membershipIndex, status);
  }

  public ViewEntry seenActive(long round) {
    return round > lastActiveRound ? new ViewEntry(round, membershipIndex, status) : this;
  }
}
