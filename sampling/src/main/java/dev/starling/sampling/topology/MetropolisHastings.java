package dev.starling.sampling.topology;

import java.util.List;

/**
 * Metropolis-Hastings mixing weights for an undirected graph: {@code w_ij = 1 / (1 + max(d_i, d_j))}
 * for neighbours, {@code w_ii = 1 - sum_j w_ij}. The matrix is symmetric and doubly stochastic, so
 * D-PSGD's averaging preserves the mean of the models.
 */
public final class MetropolisHastings {
  private MetropolisHastings() {}

  /** Row i: the weights of node i's neighbours, in the order of {@code neighbours.get(i)}, then w_ii last. */
  public static double[][] weights(List<int[]> neighbours) {
    int n = neighbours.size();
    double[][] w = new double[n][];
    for (int i = 0; i < n; i++) {
      int[] nb = neighbours.get(i);
      w[i] = new double[nb.length + 1];
      double sum = 0;
      for (int k = 0; k < nb.length; k++) {
        int j = nb[k];
        w[i][k] = 1.0 / (1 + Math.max(nb.length, neighbours.get(j).length));
        sum += w[i][k];
      }
      w[i][nb.length] = 1 - sum;
    }
    return w;
  }
}
