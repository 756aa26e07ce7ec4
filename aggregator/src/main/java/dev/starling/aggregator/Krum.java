package dev.starling.aggregator;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Krum and Multi-Krum (Blanchard et al. 2017). Each update is scored by the sum of squared
 * distances to its {@code n - f - 2} nearest other updates; Krum returns the best-scored update,
 * Multi-Krum ({@code m > 1}) the unweighted mean of the {@code m} best. Ties go to the lower index.
 */
public final class Krum implements Aggregator {

  private final int byzantine;
  private final int selected;

  /**
   * @param byzantine f, the number of Byzantine updates tolerated (n must exceed 2f + 2)
   * @param selected m, how many best-scored updates to average (1 = Krum)
   */
  public Krum(int byzantine, int selected) {
    if (byzantine < 0) {
      throw new IllegalArgumentException("byzantine count f must be >= 0, got " + byzantine);
    }
    if (selected < 1) {
      throw new IllegalArgumentException("selected count m must be >= 1, got " + selected);
    }
    this.byzantine = byzantine;
    this.selected = selected;
  }

  /** Krum scores need n > 2f + 2; Multi-Krum averages m of them. */
  @Override
  public int minUpdates() {
    return Math.max(2 * byzantine + 3, selected);
  }

  @Override
  public float[] aggregate(List<WeightedVector> updates) {
    int d = Aggregator.checkedLength(updates);
    int n = updates.size();
    if (n < 2 * byzantine + 3) {
      throw new IllegalArgumentException(
          "Krum with f=" + byzantine + " needs at least " + (2 * byzantine + 3) + " updates, got " + n);
    }
    if (selected > n) {
      throw new IllegalArgumentException("Multi-Krum m=" + selected + " exceeds the " + n + " updates");
    }
    double[] scores = scores(updates);
    Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.<Integer>comparingDouble(k -> scores[k]).thenComparingInt(k -> k));
    float[] out = new float[d];
    float[][] vs = new float[selected][];
    float[] ws = new float[selected];
    for (int j = 0; j < selected; j++) {
      vs[j] = updates.get(order[j]).values();
      ws[j] = 1.0f / selected;
    }
    VectorKernels.weightedSum(vs, ws, out);
    return out;
  }

  /** The Krum score of every update (package-private for tests). */
  double[] scores(List<WeightedVector> updates) {
    int n = updates.size();
    double[][] dist = new double[n][n];
    for (int a = 0; a < n; a++) {
      for (int b = a + 1; b < n; b++) {
        double s = squaredDistance(updates.get(a).values(), updates.get(b).values());
        dist[a][b] = s;
        dist[b][a] = s;
      }
    }
    int neighbours = n - byzantine - 2;
    double[] scores = new double[n];
    for (int a = 0; a < n; a++) {
      double[] others = new double[n - 1];
      int j = 0;
      for (int b = 0; b < n; b++) {
        if (b != a) {
          others[j++] = dist[a][b];
        }
      }
      Arrays.sort(others);
      double s = 0;
      for (int k = 0; k < neighbours; k++) {
        s += others[k];
      }
      scores[a] = s;
    }
    return scores;
  }

  private static double squaredDistance(float[] x, float[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      double diff = (double) x[i] - y[i];
      s += diff * diff;
    }
    return s;
  }

  @Override
  public String name() {
    return selected == 1 ? "krum" : "multi-krum";
  }
}
