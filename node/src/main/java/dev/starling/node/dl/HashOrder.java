package dev.starling.node.dl;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * A peer's hash order of one sample index, produced as it is read: the JVM's shared ranking of
 * every id for that index ({@link dev.starling.sampling.modest.SampleDerivation#ranking}) filtered
 * to the peer's candidates as they were when the order was asked for. findAvailable reads the
 * first s or a entries and a few replacements, so a peer pays O(s) per order instead of ranking
 * its whole view (O(n log n), n MD5 strings) each time.
 */
final class HashOrder {
  private final int[] ranking;
  private final IntPredicate candidate;
  private int scanned;
  private int[] taken = new int[16];
  private int size;

  /** @param candidate whether an id counts, fixed for this order's life (read from an immutable view) */
  HashOrder(int[] ranking, IntPredicate candidate) {
    this.ranking = ranking;
    this.candidate = candidate;
  }

  /** An order of exactly these ids, in this order. */
  static HashOrder of(int... ids) {
    HashOrder o = new HashOrder(ids, id -> true);
    o.fill(ids.length);
    return o;
  }

  /** Whether the order has an {@code i}-th entry. */
  boolean has(int i) {
    fill(i + 1);
    return i < size;
  }

  /** The {@code i}-th entry; {@link #has} must hold. */
  int get(int i) {
    fill(i + 1);
    if (i >= size) {
      throw new IndexOutOfBoundsException(i + " of " + size);
    }
    return taken[i];
  }

  /** The whole order (reads it to the end). */
  int[] toArray() {
    fill(Integer.MAX_VALUE);
    return Arrays.copyOf(taken, size);
  }

  private void fill(int want) {
    while (size < want && scanned < ranking.length) {
      int id = ranking[scanned++];
      if (candidate.test(id)) {
        if (size == taken.length) {
          taken = Arrays.copyOf(taken, size * 2);
        }
        taken[size++] = id;
      }
    }
  }
}
