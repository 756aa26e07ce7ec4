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
