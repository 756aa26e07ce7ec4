package dev.starling.node.dl;

import dev.starling.node.runtime.Seeds;
import dev.starling.sampling.topology.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The graph of every round, derived from the run seed and the round alone, so every node computes
 * the same graph without a coordinator (a dynamic topology is a fresh graph per round). Holds the
 * out- and in-neighbours of the most recent round asked for; nodes in one JVM share an instance.
 */
public final class TopologySchedule {

  private final Topology topology;
  private final int n;
  private final long seed;
  static final int CACHED = 24;
  private record Graph(List<int[]> out, List<int[]> in) {}
  private final java.util.LinkedHashMap<Long, Graph> cache = new java.util.LinkedHashMap<>(32, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Long, Graph> eldest) {
      return size() > CACHED;
    }
  };

  public TopologySchedule(Topology topology, int n, long seed) {
    this.topology = topology;
    this.n = n;
    this.seed = seed;
  }

  public synchronized int[] out(int node, long round) {
    return load(round).out().get(node);
  }

  public synchronized int[] in(int node, long round) {
    return load(round).in().get(node);
  }

  public Topology topology() {
    return topology;
  }

  private Graph load(long round) {
    long key = topology.dynamic() ? round : 0;
    Graph g = cache.get(key);
    if (g == null) {
      List<int[]> out = topology.neighbours(n, round, RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.derive(seed, 0x544F504FL, key)));
      g = new Graph(out, incoming(out));
      cache.put(key, g);
    }
    return g;
  }

  /** In-neighbour lists (ascending) of a directed neighbour relation. */
  static List<int[]> incoming(List<int[]> out) {
    int n = out.size();
    int[] count = new int[n];
    for (int[] nb : out) {
      for (int j : nb) {
        count[j]++;
      }
    }
    List<int[]> in = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      in.add(new int[count[i]]);
    }
    int[] fill = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j : out.get(i)) {
        in.get(j)[fill[j]++] = i;
      }
    }
    for (int[] a : in) {
      Arrays.sort(a);
    }
    return in;
  }
}
