package dev.starling.sampling.modest;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * A MoDeST node's view of the population (modest.md section 1.2): for every node id it knows,
 * the last round it saw that node active, the index of its latest membership change and whether
 * that change was a JOIN or a LEAVE.
 *
 * <p>The view is persistent: every update returns a new view and leaves this one as it was. It is
 * stored as fixed-size chunks of packed entries, and an update copies only the chunks it changes;
 * a merge that changes nothing in a chunk keeps this view's chunk, and one that makes it equal to
 * the other view's chunk adopts that chunk. With 10,000 nodes that all start from one view and
 * mostly learn the same facts, the nodes therefore share almost all of their view memory instead
 * of each holding 10,000 entries. Ids are dense non-negative ints.
 */
public final class View {

  /** Entries per chunk: a 2 KiB array, small enough to copy on every update. */
  static final int CHUNK = 256;

  private static final int ABSENT_STATUS = 0;
  private static final int JOIN_STATUS = 1;
  private static final int LEAVE_STATUS = 2;
  /** Packed entry of an id the view does not hold. */
  static final long ABSENT = 0L;

  private final long[][] chunks;
  private final int capacity;

  private View(long[][] chunks, int capacity) {
    this.chunks = chunks;
    this.capacity = capacity;
  }

  /** The view every initial participant starts with: ids 0..n-1 at (-1, 0, JOIN), except {@code leave}. */
  public static View initial(int n, IntPredicate leave) {
    long[][] chunks = new long[(n + CHUNK - 1) / CHUNK][];
    for (int c = 0; c < chunks.length; c++) {
      long[] chunk = new long[CHUNK];
      for (int i = 0; i < CHUNK && c * CHUNK + i < n; i++) {
        int id = c * CHUNK + i;
        chunk[i] = pack(-1, 0, leave.test(id) ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
      }
      chunks[c] = chunk;
    }
    return new View(chunks, chunks.length * CHUNK);
  }

  /** An empty view. */
  public static View empty() {
    return new View(new long[0][], 0);
  }

  static long pack(long lastActive, long membership, ViewEntry.Status status) {
    if (lastActive < -1 || lastActive > Integer.MAX_VALUE - 1 || membership < 0 || membership > (1L << 30) - 1) {
      throw new IllegalArgumentException("view entry out of range: lastActive " + lastActive + ", membership " + membership);
    }
    long st = status == ViewEntry.Status.LEAVE ? LEAVE_STATUS : JOIN_STATUS;
    return ((lastActive + 1) << 32) | (membership << 2) | st;
  }

  static ViewEntry unpack(long packed) {
    if ((packed & 3) == ABSENT_STATUS) {
      return null;
    }
    return new ViewEntry((packed >>> 32) - 1, (packed >>> 2) & ((1L << 30) - 1),
        (packed & 3) == LEAVE_STATUS ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
  }

  private static long lastActive(long packed) {
    return (packed >>> 32) - 1;
  }

  private static long membership(long packed) {
    return (packed >>> 2) & ((1L << 30) - 1);
  }

  private static boolean isLeave(long packed) {
    return (packed & 3) == LEAVE_STATUS;
  }

  private long raw(int id) {
    if (id < 0 || id >= capacity) {
      return ABSENT;
    }
    long[] chunk = chunks[id / CHUNK];
    return chunk == null ? ABSENT : chunk[id % CHUNK];
  }

  /** The entry of {@code id}, or null when the view does not hold it. */
  public ViewEntry get(int id) {
    return unpack(raw(id));
  }

  public boolean contains(int id) {
    return (raw(id) & 3) != ABSENT_STATUS;
  }

  /** One past the largest id the view could hold without growing. */
  public int capacity() {
    return capacity;
  }

  /** How many ids the view holds. */
  public int size() {
    int n = 0;
    for (long[] chunk : chunks) {
      if (chunk != null) {
        for (long e : chunk) {
          n += (e & 3) != ABSENT_STATUS ? 1 : 0;
        }
      }
    }
    return n;
  }

  /** This view with {@code id}'s entry set to {@code e}. */
  public View with(int id, ViewEntry e) {
    return withRaw(id, pack(e.lastActiveRound(), e.membershipIndex(), e.status()));
  }

  private View withRaw(int id, long packed) {
    if (id < 0) {
      throw new IllegalArgumentException("node id must be >= 0, got " + id);
    }
    if (raw(id) == packed) {
      return this;
    }
    int c = id / CHUNK;
    long[][] next = Arrays.copyOf(chunks, Math.max(chunks.length, c + 1));
    long[] chunk = next[c] == null ? new long[CHUNK] : next[c].clone();
    chunk[id % CHUNK] = packed;
    next[c] = chunk;
    return new View(next, next.length * CHUNK);
  }

  /** This view with {@code id} seen active in {@code round} (no change if it was seen later, or is absent). */
  public View seenActive(int id, long round) {
    long e = raw(id);
    if ((e & 3) == ABSENT_STATUS || lastActive(e) >= round) {
      return this;
    }
    return withRaw(id, pack(round, membership(e), isLeave(e) ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN));
  }

  /** The merge rule of section 1.7, entry by entry, with the 2023-05-04 fix (see {@link ViewEntry#merge}). */
  public View merge(View other) {
    if (other == this) {
      return this;
    }
    int len = Math.max(chunks.length, other.chunks.length);
    long[][] next = null;
    for (int c = 0; c < len; c++) {
      long[] mine = c < chunks.length ? chunks[c] : null;
      long[] theirs = c < other.chunks.length ? other.chunks[c] : null;
      if (theirs == null || mine == theirs) {
        continue;
      }
      long[] merged = mine == null ? theirs : mergeChunk(mine, theirs);
      if (merged != mine) {
        if (next == null) {
          next = Arrays.copyOf(chunks, len);
        }
        next[c] = merged;
      }
    }
    return next == null ? this : new View(next, next.length * CHUNK);
  }

  /** The merged chunk: {@code mine} itself if nothing changes, {@code theirs} if the result equals it. */
  private static long[] mergeChunk(long[] mine, long[] theirs) {
    long[] out = null;
    boolean equalsTheirs = true;
    for (int i = 0; i < CHUNK; i++) {
      long m = merge(mine[i], theirs[i]);
      if (m != mine[i] && out == null) {
        out = mine.clone();
      }
      if (out != null) {
        out[i] = m;
      }
      equalsTheirs &= m == theirs[i];
    }
    if (out == null) {
      return mine;
    }
    return equalsTheirs ? theirs : out;
  }

  static long merge(long mine, long theirs) {
    if ((theirs & 3) == ABSENT_STATUS) {
      return mine;
    }
    if ((mine & 3) == ABSENT_STATUS) {
      return theirs;
    }
    long active = Math.max(lastActive(mine), lastActive(theirs));
    if (membership(theirs) > membership(mine)) {
      return pack(active, membership(theirs), isLeave(theirs) ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
    }
    return active == lastActive(mine) ? mine
        : pack(active, membership(mine), isLeave(mine) ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
  }

  /**
   * The entries of this view that differ from {@code base}, less those that differ from it only
   * in a last-active round below {@code minActive}: what a receiver that already merged base
   * lacks, as far as any sample of index {@code minActive + inactivityThreshold} or later can
   * tell (merging is a join, and an entry last active before {@code k - inactivityThreshold}
   * is no candidate of k whichever of the two rounds the receiver holds). Pass
   * {@code Long.MIN_VALUE} for every difference. Chunks this view shares with base are skipped by
   * reference: O(chunks changed since base).
   */
  public View changedSince(View base, long minActive) {
    long[][] out = new long[chunks.length][];
    boolean any = false;
    for (int c = 0; c < chunks.length; c++) {
      long[] mine = chunks[c];
      long[] old = c < base.chunks.length ? base.chunks[c] : null;
      if (mine == null || mine == old) {
        continue;
      }
      long[] d = null;
      for (int i = 0; i < CHUNK; i++) {
        long e = mine[i];
        long o = old == null ? ABSENT : old[i];
        if (e == o) {
          continue;
        }
        boolean onlyActivity = (o & 3) != ABSENT_STATUS && (e & 0xFFFFFFFFL) == (o & 0xFFFFFFFFL);
        if (onlyActivity && lastActive(e) < minActive) {
          continue;
        }
        if (d == null) {
          d = new long[CHUNK];
        }
        d[i] = e;
      }
      out[c] = d;
      any |= d != null;
    }
    return any ? new View(out, out.length * CHUNK) : empty();
  }

  /** Cached {@link #maxLastActive} (the view is immutable); MIN_VALUE until first asked. */
  private long maxLastActive = Long.MIN_VALUE;

  /**
   * The largest last-active round in the view (-1 when empty). Computed once per view: the peers
   * that start from one shared view would otherwise each scan all of it (O(n^2) at start-up).
   */
  public long maxLastActive() {
    if (maxLastActive == Long.MIN_VALUE) {
      maxLastActive = scanMaxLastActive();
    }
    return maxLastActive;
  }

  private long scanMaxLastActive() {
    long max = -1;
    for (long[] chunk : chunks) {
      if (chunk != null) {
        for (long e : chunk) {
          if ((e & 3) != ABSENT_STATUS) {
            max = Math.max(max, lastActive(e));
          }
        }
      }
    }
    return max;
  }

  /**
   * The active peers for sample index k, ascending: not known to have left and seen active within
   * {@code inactivityThreshold} rounds of k; {@code self} always counts.
   */
  public int[] candidates(long k, int self, long inactivityThreshold) {
    int[] out = new int[Math.max(capacity, self + 1)];
    int n = 0;
    for (int c = 0; c < chunks.length; c++) {
      long[] chunk = chunks[c];
      if (chunk == null) {
        continue;
      }
      for (int i = 0; i < CHUNK; i++) {
        int id = c * CHUNK + i;
        long e = chunk[i];
        boolean isSelf = id == self;
        if (isSelf || ((e & 3) != ABSENT_STATUS && !isLeave(e) && lastActive(e) >= k - inactivityThreshold)) {
          out[n++] = id;
        }
      }
    }
    if (self >= capacity) {
      out[n++] = self;
    }
    return Arrays.copyOf(out, n);
  }

  /** Whether {@code id} is among {@link #candidates}{@code (k, self, inactivityThreshold)}. */
  public boolean isCandidate(int id, long k, int self, long inactivityThreshold) {
    if (id == self) {
      return true;
    }
    long e = raw(id);
    return (e & 3) != ABSENT_STATUS && !isLeave(e) && lastActive(e) >= k - inactivityThreshold;
  }

  /** Ids of entries (ascending) for which {@code status} holds: JOIN (active members) or LEAVE. */
  public int[] ids(ViewEntry.Status status) {
    int[] out = new int[capacity];
    int n = 0;
    for (int c = 0; c < chunks.length; c++) {
      long[] chunk = chunks[c];
      if (chunk != null) {
        for (int i = 0; i < CHUNK; i++) {
          long e = chunk[i];
          if ((e & 3) != ABSENT_STATUS && isLeave(e) == (status == ViewEntry.Status.LEAVE)) {
            out[n++] = c * CHUNK + i;
          }
        }
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** Visits the held entries in id order: (id, lastActive, membership, leave). */
  public void forEach(EntryVisitor visitor) {
    for (int c = 0; c < chunks.length; c++) {
      long[] chunk = chunks[c];
      if (chunk != null) {
        for (int i = 0; i < CHUNK; i++) {
          long e = chunk[i];
          if ((e & 3) != ABSENT_STATUS) {
            visitor.visit(c * CHUNK + i, lastActive(e), membership(e), isLeave(e));
          }
        }
      }
    }
  }

  /** Receives one entry of {@link #forEach}. */
  @FunctionalInterface
  public interface EntryVisitor {
    void visit(int id, long lastActive, long membership, boolean leave);
  }

  /** Builds a view from decoded entries, which must come in strictly increasing id order. */
  public static final class Builder {
    private long[][] chunks = new long[0][];
    private int last = -1;

    public Builder add(int id, long lastActive, long membership, boolean leave) {
      if (id <= last) {
        throw new IllegalArgumentException("view ids must increase strictly: " + id + " after " + last);
      }
      last = id;
      int c = id / CHUNK;
      if (c >= chunks.length) {
        chunks = Arrays.copyOf(chunks, c + 1);
      }
      if (chunks[c] == null) {
        chunks[c] = new long[CHUNK];
      }
      chunks[c][id % CHUNK] = pack(lastActive, membership, leave ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
      return this;
    }

    public View build() {
      return new View(chunks, chunks.length * CHUNK);
    }
  }

  /** Chunks this view shares (by reference) with {@code other}: a measure of structure sharing. */
  public int sharedChunks(View other) {
    int n = 0;
    for (int c = 0; c < Math.min(chunks.length, other.chunks.length); c++) {
      n += chunks[c] != null && chunks[c] == other.chunks[c] ? 1 : 0;
    }
    return n;
  }

  /** Chunk arrays held (for memory accounting). */
  public int chunkCount() {
    int n = 0;
    for (long[] chunk : chunks) {
      n += chunk == null ? 0 : 1;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof View v)) {
      return false;
    }
    int len = Math.max(chunks.length, v.chunks.length);
    for (int c = 0; c < len; c++) {
      long[] a = c < chunks.length ? chunks[c] : null;
      long[] b = c < v.chunks.length ? v.chunks[c] : null;
      if (a == b) {
        continue;
      }
      for (int i = 0; i < CHUNK; i++) {
        if ((a == null ? ABSENT : a[i]) != (b == null ? ABSENT : b[i])) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int c = 0; c < chunks.length; c++) {
      if (chunks[c] != null) {
        for (int i = 0; i < CHUNK; i++) {
          if (chunks[c][i] != ABSENT) {
            h = 31 * h + Long.hashCode(chunks[c][i]) + c * CHUNK + i;
          }
        }
      }
    }
    return h;
  }
}
