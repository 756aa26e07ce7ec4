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

  private static final int MAX_ATTEMPTS = 1_000;

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
      List<TreeSet<Integer>> adj = pair(n, rng);
      if (adj != null) {
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

  /**
   * One attempt of the Steger-Wormald pairing: join two random free stubs when they would make
   * neither a loop nor a double edge; give up (null) when no such pair is left. Unlike rejecting
   * whole configuration-model pairings, whose success rate falls like exp(-(k^2 - 1) / 4), this
   * succeeds almost always, also for k = 10.
   */
  private List<TreeSet<Integer>> pair(int n, UniformRandomProvider rng) {
    int[] stubs = new int[n * degree];
    for (int i = 0; i < stubs.length; i++) {
      stubs[i] = i / degree;
    }
    List<TreeSet<Integer>> adj = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      adj.add(new TreeSet<>());
    }
    int free = stubs.length;
    while (free > 0) {
      boolean joined = false;
      for (int tries = 0; tries < 64 && !joined; tries++) {
        int i = rng.nextInt(free);
        int j = rng.nextInt(free);
        int a = stubs[i];
        int b = stubs[j];
        if (i != j && a != b && !adj.get(a).contains(b)) {
          adj.get(a).add(b);
          adj.get(b).add(a);
          // remove stubs i and j by moving the last free stubs into their places
          int hi = Math.max(i, j);
          int lo = Math.min(i, j);
          stubs[hi] = stubs[--free];
          stubs[lo] = stubs[--free];
          joined = true;
        }
      }
      if (!joined && !anySuitable(stubs, free, adj)) {
        return null;
      }
    }
    return adj;
  }

  private static boolean anySuitable(int[] stubs, int free, List<TreeSet<Integer>> adj) {
    for (int i = 0; i < free; i++) {
      for (int j = i + 1; j < free; j++) {
        if (stubs[i] != stubs[j] && !adj.get(stubs[i]).contains(stubs[j])) {
          return true;
        }
      }
    }
    return false;
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
