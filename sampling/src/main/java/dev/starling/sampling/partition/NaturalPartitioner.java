package dev.starling.sampling.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * One natural owner (LEAF writer or user) per node. With fewer nodes than owners, owners are
 * chosen at random and the others' samples are left out; more nodes than owners is an error.
 */
public final class NaturalPartitioner implements Partitioner {

  @Override
  public int[][] partition(int[] labels, int[] groups, int nodes, UniformRandomProvider rng) {
    if (groups == null) {
      throw new IllegalArgumentException(
          "the natural partition needs data with owners (LEAF users or writers); this dataset has none");
    }
    TreeMap<Integer, List<Integer>> byOwner = new TreeMap<>();
    for (int i = 0; i < groups.length; i++) {
      byOwner.computeIfAbsent(groups[i], g -> new ArrayList<>()).add(i);
    }
    if (nodes > byOwner.size()) {
      throw new IllegalArgumentException(
          "the natural partition has " + byOwner.size() + " owners, fewer than the " + nodes + " nodes");
    }
    List<List<Integer>> owners = new ArrayList<>(byOwner.values());
    int[] pick = Partitions.shuffledRange(owners.size(), rng);
    int[] chosen = java.util.Arrays.copyOf(pick, nodes);
    java.util.Arrays.sort(chosen);
    List<List<Integer>> parts = new ArrayList<>(nodes);
    for (int c : chosen) {
      parts.add(owners.get(c));
    }
    return Partitions.toSortedArrays(parts);
  }

  @Override
  public String describe() {
    return "natural";
  }
}
