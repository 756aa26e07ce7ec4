package dev.starling.sampling.modest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * MoDeST's deterministic per-round ranking (modest.md section 1.3): candidates are sorted by
 * {@code MD5(id ++ "-" ++ decimal(k))}, digests compared as unsigned byte strings, ties broken by
 * id. Here a node id's bytes are its decimal representation in ASCII (the original uses IPv8
 * public keys); nodes with equal views therefore derive equal samples and aggregators.
 */
public final class SampleDerivation {

  private SampleDerivation() {}

  /** MD5 of {@code decimal(id) ++ "-" ++ decimal(round)}. */
  public static byte[] key(int id, long round) {
    try {
      return MessageDigest.getInstance("MD5").digest((id + "-" + round).getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code candidates} ranked for round {@code k}, as {@link #order(long, List)}, for the int
   * arrays the peers use. Digests are compared as two unsigned 64-bit halves, which is the same
   * order as comparing the 16 bytes unsigned.
   */
  public static int[] order(long k, int[] candidates) {
    int n = candidates.length;
    long[] hi = new long[n];
    long[] lo = new long[n];
    Integer[] idx = new Integer[n];
    MessageDigest md5 = md5();
    for (int i = 0; i < n; i++) {
      byte[] d = md5.digest((candidates[i] + "-" + k).getBytes(StandardCharsets.US_ASCII));
      hi[i] = java.nio.ByteBuffer.wrap(d, 0, 8).getLong();
      lo[i] = java.nio.ByteBuffer.wrap(d, 8, 8).getLong();
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> {
      int c = Long.compareUnsigned(hi[a], hi[b]);
      if (c == 0) {
        c = Long.compareUnsigned(lo[a], lo[b]);
      }
      return c != 0 ? c : Integer.compare(candidates[a], candidates[b]);
    });
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = candidates[idx[i]];
    }
    return out;
  }

  /** Rankings of every id 0..n-1 asked for last, keyed by (n, k): every peer in a JVM reads them. */
  private static final java.util.LinkedHashMap<Long, int[]> RANKINGS = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
      return size() > 8;
    }
  };
  private static int rankingsOf = -1;

  /**
   * Every id 0..n-1 ranked for round {@code k}, as {@link #order(long, int[])} ranks them: a
   * peer's order is this filtered to its candidates, so it is computed once per round for all
   * the peers of a JVM (not once per peer and view) and read as far as needed. Shared: do not
   * modify.
   */
  public static int[] ranking(long k, int n) {
    synchronized (RANKINGS) {
      if (n != rankingsOf) {
        RANKINGS.clear();
        rankingsOf = n;
      }
      int[] r = RANKINGS.get(k);
      if (r == null) {
        r = rankAll(k, n);
        RANKINGS.put(k, r);
      }
      return r;
    }
  }

  /**
   * The ranking of ids 0..n-1 for round k, without a String, a boxed integer or a comparator per
   * id: each digest's top 40 bits and the id are packed in one long and sorted as primitives, then
   * runs whose top bits tie (rare) are re-sorted by the whole digest and id.
   */
  static int[] rankAll(long k, int n) {
    return rankAll(k, n, 40);
  }

  /** As {@link #rankAll(long, int)}, packing the digest's top {@code bits} (1..40) bits. */
  static int[] rankAll(long k, int n, int bits) {
    if (n >= 1 << 24) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return order(k, all);
    }
    long[] hi = new long[n];
    long[] lo = new long[n];
    MessageDigest md5 = md5();
    byte[] msg = new byte[32];
    byte[] out = new byte[16];
    byte[] suffix = ("-" + k).getBytes(StandardCharsets.US_ASCII);
    long[] packed = new long[n];
    for (int id = 0; id < n; id++) {
      int len = ascii(id, msg);
      System.arraycopy(suffix, 0, msg, len, suffix.length);
      md5.update(msg, 0, len + suffix.length);
      try {
        md5.digest(out, 0, 16);
      } catch (java.security.DigestException e) {
        throw new IllegalStateException(e);
      }
      hi[id] = java.nio.ByteBuffer.wrap(out, 0, 8).getLong();
      lo[id] = java.nio.ByteBuffer.wrap(out, 8, 8).getLong();
      // top 40 bits of the digest, unsigned order made signed by flipping the sign bit; the id below
      long top = (hi[id] >>> (64 - bits)) << 24;
      packed[id] = (bits == 40 ? top ^ Long.MIN_VALUE : top) | id; // 40 bits reach the sign bit
    }
    Arrays.sort(packed);
    int[] ranked = new int[n];
    for (int i = 0; i < n; i++) {
      ranked[i] = (int) (packed[i] & 0xFFFFFF);
    }
    for (int i = 0; i < n; ) {
      int j = i + 1;
      while (j < n && (packed[j] >>> 24) == (packed[i] >>> 24)) {
        j++;
      }
      if (j - i > 1) {
        Integer[] run = new Integer[j - i];
        for (int t = i; t < j; t++) {
          run[t - i] = ranked[t];
        }
        Arrays.sort(run, (a, b) -> {
          int c = Long.compareUnsigned(hi[a], hi[b]);
          if (c == 0) {
            c = Long.compareUnsigned(lo[a], lo[b]);
          }
          return c != 0 ? c : Integer.compare(a, b);
        });
        for (int t = i; t < j; t++) {
          ranked[t] = run[t - i];
        }
      }
      i = j;
    }
    return ranked;
  }

  /** Writes the decimal digits of {@code v >= 0} to the start of {@code buf}; returns how many. */
  private static int ascii(int v, byte[] buf) {
    int len = 1;
    for (long p = 10; p <= v; p *= 10) {
      len++;
    }
    for (int i = len - 1; i >= 0; i--) {
      buf[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return len;
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code candidates} ranked for round {@code k} (a new list). */
  public static List<Integer> order(long k, List<Integer> candidates) {
    List<Integer> sorted = new ArrayList<>(candidates);
    Map<Integer, byte[]> keys = new java.util.HashMap<>();
    for (int id : sorted) {
      keys.put(id, key(id, k));
    }
    sorted.sort(Comparator.<Integer, byte[]>comparing(keys::get, Arrays::compareUnsigned).thenComparingInt(i -> i));
    return sorted;
  }

  /**
   * The active peers for sample index k: those not known to have left and seen active within
   * {@code inactivityThreshold} rounds of k; the node itself always counts.
   */
  public static List<Integer> candidates(long k, int self, Map<Integer, ViewEntry> view, long inactivityThreshold) {
    List<Integer> out = new ArrayList<>();
    for (Map.Entry<Integer, ViewEntry> e : view.entrySet()) {
      int j = e.getKey();
      ViewEntry v = e.getValue();
      boolean isSelf = j == self;
      if ((v.status() != ViewEntry.Status.LEAVE || isSelf) && (v.lastActiveRound() >= k - inactivityThreshold || isSelf)) {
        out.add(j);
      }
    }
    if (!view.containsKey(self)) {
      out.add(self);
    }
    out.sort(null);
    return out;
  }

  /** The first {@code s} of {@code order(k, candidates(k))}. */
  public static List<Integer> sample(long k, int s, int self, Map<Integer, ViewEntry> view, long inactivityThreshold) {
    List<Integer> ranked = order(k, candidates(k, self, view, inactivityThreshold));
    return List.copyOf(ranked.subList(0, Math.min(s, ranked.size())));
  }
}
