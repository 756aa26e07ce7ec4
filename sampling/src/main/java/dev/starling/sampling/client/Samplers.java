package dev.starling.sampling.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/** Shared sampling helpers. */
public final class Samplers {
  private Samplers() {}

  /** {@code k} distinct elements chosen uniformly (partial Fisher-Yates), returned sorted. */
  public static List<Integer> choose(List<Integer> from, int k, UniformRandomProvider rng) {
    if (k < 0 || k > from.size()) {
      throw new IllegalArgumentException("cannot choose " + k + " of " + from.size());
    }
    List<Integer> pool = new ArrayList<>(from);
    for (int i = 0; i < k; i++) {
      int j = i + rng.nextInt(pool.size() - i);
      Collections.swap(pool, i, j);
    }
    List<Integer> out = new ArrayList<>(pool.subList(0, k));
    Collections.sort(out);
    return out;
  }
}
