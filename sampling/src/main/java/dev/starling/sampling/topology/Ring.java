package dev.starling.sampling.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/** Each node linked to its two ring neighbours (one when n = 2). */
public final class Ring implements Topology {
  @Override
  public List<int[]> neighbours(int n, long round, UniformRandomProvider rng) {
    List<int[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int prev = (i + n - 1) % n;
      int next = (i + 1) % n;
      out.add(n <= 1 ? new int[0] : prev == next ? new int[] {next} : sorted(prev, next));
    }
    return out;
  }

  private static int[] sorted(int a, int b) {
    return a < b ? new int[] {a, b} : new int[] {b, a};
  }

  @Override
  public String describe() {
    return "ring";
  }
}
