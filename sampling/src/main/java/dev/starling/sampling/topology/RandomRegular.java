package dev.starling.sampling.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A random k-regular undirected graph by the configuration (pairing) model, redrawn until it has
 * no self-loops or multi-edges. Static ({@code fresh = false}: drawn once from round 0's stream
 * and reused) or a fresh graph every round (the dynamic topology of decentralizepy and
 * Epidemic-Learning-style experiments).
 */
public final class RandomRegular implements Topology {

  private static final int MAX_ATTEMPTS = 10_000;

  private final int degree;
  private final boolean fresh;
  private List<int[]> cached;
  private int cachedN = -1;

  public RandomRegular(int degree, boolean fresh) {
    if (degree < 1) {
      throw new IllegalArgumentException("degree must be >= 1, got " + degree);
    }
    this.degree = degree;
    this.fresh = fresh;
  }

  @Override
  public List<int[]> neighbours(int n, long round, UniformRandomProvider rng) {
    if (degree >= n || (long) n * degree % 2 != 0) {
      throw new IllegalArgumentException("no " + degree + "-regular graph on " + n + " nodes (need degree < n, n*degree even)");
    }
    if (!fresh && cached != null && cachedN == n) {
      return cached;
    }
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      int[] stubs = new int[n * degree];
      for (int i = 0; i < stubs.length; i++) {
        stubs[i] = i / degree;
      }
      for (int i = stubs.length - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = stubs[i];
        stubs[i] = stubs[j];
        stubs[j] = t;
      }
      List<TreeSet<Integer>> adj = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        adj.add(new TreeSet<>());
      }
      boolean ok = true;
      for (int i = 0; i < stubs.length && ok; i += 2) {
        int a = stubs[i];
        int b = stubs[i + 1];
        ok = a != b && adj.get(a).add(b) && adj.get(b).add(a);
      }
      if (ok) {
        List<int[]> out = new ArrayList<>(n);
        for (TreeSet<Integer> s : adj) {
          out.add(s.stream().mapToInt(Integer::intValue).toArray());
        }
        if (!fresh) {
          cached = out;
          cachedN = n;
        }
        return out;
      }
    }
    throw new IllegalStateException("could not draw a simple " + degree + "-regular graph on " + n + " nodes");
  }

  @Override
  public boolean dynamic() {
    return fresh;
  }

  @Override
  public String describe() {
    return (fresh ? "dynamic-" : "") + "random-" + degree + "-regular";
  }
}
