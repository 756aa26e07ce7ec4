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
    // A partial Fisher-Yates shuffle of the first k positions, with only the displaced positions
    // held: the same picks as shuffling a copy, in O(k) instead of O(n) per round (a million clients).
    java.util.HashMap<Integer, Integer> moved = new java.util.HashMap<>();
    int n = from.size();
    List<Integer> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      int j = i + rng.nextInt(n - i);
      int atJ = moved.getOrDefault(j, j);
      int atI = moved.getOrDefault(i, i);
      moved.put(j, atI);
      out.add(from.get(atJ));
    }
    Collections.sort(out);
    return out;
  }
}
