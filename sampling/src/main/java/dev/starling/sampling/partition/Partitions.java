package dev.starling.sampling.partition;

import java.util.Arrays;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/** Helpers shared by the partitioners, and measures of a partition. */
public final class Partitions {
  private Partitions() {}

  static void checkNodes(int nodes, int samples) {
    if (nodes < 1) {
      throw new IllegalArgumentException("node count must be >= 1, got " + nodes);
    }
    if (nodes > samples) {
      throw new IllegalArgumentException(nodes + " nodes but only " + samples + " samples");
    }
  }

  static int[] shuffledRange(int n, UniformRandomProvider rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    shuffle(a, rng);
    return a;
  }

  static void shuffle(int[] a, UniformRandomProvider rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  static int[][] indicesByClass(int[] labels) {
    int classes = Arrays.stream(labels).max().orElse(-1) + 1;
    int[] counts = new int[classes];
    for (int y : labels) {
      counts[y]++;
    }
    int[][] out = new int[classes][];
    for (int c = 0; c < classes; c++) {
      out[c] = new int[counts[c]];
    }
    int[] fill = new int[classes];
    for (int i = 0; i < labels.length; i++) {
      out[labels[i]][fill[labels[i]]++] = i;
    }
    return out;
  }

  static int[][] toSortedArrays(List<List<Integer>> parts) {
    int[][] out = new int[parts.size()][];
    for (int k = 0; k < out.length; k++) {
      out[k] = parts.get(k).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return out;
  }

  /**
   * Label skew of a partition: the mean over nodes of the total-variation distance between the
   * node's label distribution and the global one (0 = IID, towards 1 = one class per node).
   */
  public static double labelSkew(int[][] parts, int[] labels) {
    int classes = Arrays.stream(labels).max().orElse(-1) + 1;
    double[] global = new double[classes];
    for (int y : labels) {
      global[y] += 1.0 / labels.length;
    }
    double sum = 0;
    int counted = 0;
    for (int[] p : parts) {
      if (p.length == 0) {
        continue;
      }
      double[] local = new double[classes];
      for (int i : p) {
        local[labels[i]] += 1.0 / p.length;
      }
      double tv = 0;
      for (int c = 0; c < classes; c++) {
        tv += Math.abs(local[c] - global[c]);
      }
      sum += tv / 2;
      counted++;
    }
    return counted == 0 ? 0 : sum / counted;
  }
}
