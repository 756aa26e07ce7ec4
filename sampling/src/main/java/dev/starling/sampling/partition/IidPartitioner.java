package dev.starling.sampling.partition;

import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;

/** Shuffles the samples and deals them out in near-equal shares (sizes differ by at most one). */
public final class IidPartitioner implements Partitioner {

  @Override
  public int[][] partition(int[] labels, int[] groups, int nodes, UniformRandomProvider rng) {
    Partitions.checkNodes(nodes, labels.length);
    int[] order = Partitions.shuffledRange(labels.length, rng);
    int[][] out = new int[nodes][];
    int base = labels.length / nodes;
    int extra = labels.length % nodes;
    int at = 0;
    for (int k = 0; k < nodes; k++) {
      int size = base + (k < extra ? 1 : 0);
      out[k] = Arrays.copyOfRange(order, at, at + size);
      Arrays.sort(out[k]);
      at += size;
    }
    return out;
  }

  @Override
  public String describe() {
    return "iid";
  }
}
