package dev.starling.sampling.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * McMahan et al.'s pathological non-IID split: sort by label, cut into {@code nodes * k} equal
 * shards and give every node {@code k} random shards, so each node sees about k classes.
 */
public final class ShardPartitioner implements Partitioner {

  private final int shardsPerNode;

  public ShardPartitioner(int shardsPerNode) {
    if (shardsPerNode < 1) {
      throw new IllegalArgumentException("shards per node must be >= 1, got " + shardsPerNode);
    }
    this.shardsPerNode = shardsPerNode;
  }

  @Override
  public int[][] partition(int[] labels, int[] groups, int nodes, UniformRandomProvider rng) {
    Partitions.checkNodes(nodes, labels.length);
    int shards = nodes * shardsPerNode;
    if (shards > labels.length) {
      throw new IllegalArgumentException(shards + " shards need at least as many samples, got " + labels.length);
    }
    // Stable sort by label, ties broken by a shuffle so shards are not ordered by file position.
    int[] shuffled = Partitions.shuffledRange(labels.length, rng);
    Integer[] sorted = Arrays.stream(shuffled).boxed().toArray(Integer[]::new);
    Arrays.sort(sorted, Comparator.comparingInt(i -> labels[i]));
    int[] shardOrder = Partitions.shuffledRange(shards, rng);
    List<List<Integer>> parts = new ArrayList<>(nodes);
    for (int k = 0; k < nodes; k++) {
      parts.add(new ArrayList<>());
    }
    for (int s = 0; s < shards; s++) {
      int shard = shardOrder[s];
      long from = (long) shard * labels.length / shards;
      long to = (long) (shard + 1) * labels.length / shards;
      List<Integer> target = parts.get(s / shardsPerNode);
      IntStream.range((int) from, (int) to).forEach(i -> target.add(sorted[i]));
    }
    return Partitions.toSortedArrays(parts);
  }

  @Override
  public String describe() {
    return "shards(" + shardsPerNode + ")";
  }
}
