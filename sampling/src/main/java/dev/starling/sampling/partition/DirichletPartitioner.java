package dev.starling.sampling.partition;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.DirichletSampler;

/**
 * Label-skewed split (Hsu et al. 2019): for every class, proportions over nodes are drawn from
 * Dirichlet(alpha) and that class's samples are cut accordingly. Small alpha gives each node few
 * classes; large alpha approaches IID. Draws are repeated (up to a bound) until every node has at
 * least {@code minSize} samples, as the common FL benchmarks do.
 */
public final class DirichletPartitioner implements Partitioner {

  private static final int MAX_ATTEMPTS = 1000;

  private final double alpha;
  private final int minSize;

  public DirichletPartitioner(double alpha, int minSize) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("Dirichlet alpha must be > 0, got " + alpha);
    }
    if (minSize < 0) {
      throw new IllegalArgumentException("minimum partition size must be >= 0, got " + minSize);
    }
    this.alpha = alpha;
    this.minSize = minSize;
  }

  @Override
  public int[][] partition(int[] labels, int[] groups, int nodes, UniformRandomProvider rng) {
    Partitions.checkNodes(nodes, labels.length);
    if ((long) minSize * nodes > labels.length) {
      throw new IllegalArgumentException(
          nodes + " nodes with at least " + minSize + " samples each need more than " + labels.length + " samples");
    }
    int[][] byClass = Partitions.indicesByClass(labels);
    double[] alphas = new double[nodes];
    java.util.Arrays.fill(alphas, alpha);
    DirichletSampler dir = DirichletSampler.of(rng, alphas);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      List<List<Integer>> parts = new ArrayList<>(nodes);
      for (int k = 0; k < nodes; k++) {
        parts.add(new ArrayList<>());
      }
      for (int[] cls : byClass) {
        int[] idx = cls.clone();
        Partitions.shuffle(idx, rng);
        double[] p = dir.sample();
        int at = 0;
        double cum = 0;
        for (int k = 0; k < nodes; k++) {
          cum += p[k];
          int end = k == nodes - 1 ? idx.length : (int) Math.min(idx.length, Math.round(cum * idx.length));
          for (int i = at; i < end; i++) {
            parts.get(k).add(idx[i]);
          }
          at = Math.max(at, end);
        }
      }
      boolean ok = parts.stream().allMatch(l -> l.size() >= minSize);
      if (ok) {
        return Partitions.toSortedArrays(parts);
      }
    }
    throw new IllegalArgumentException(
        "Dirichlet(" + alpha + ") could not give all " + nodes + " nodes at least " + minSize
            + " samples in " + MAX_ATTEMPTS + " draws; lower the minimum or raise alpha");
  }

  @Override
  public String describe() {
    return "dirichlet(" + alpha + ")";
  }
}
