package dev.starling.aggregator;

import java.util.List;

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, drop the {@code floor(beta*n)}
 * largest and smallest values and average the rest. Weights are ignored.
 */
public final class TrimmedMean implements Aggregator {

  private final double beta;

  /** @param beta fraction trimmed from each end, in [0, 0.5) */
  public TrimmedMean(double beta) {
    if (!(beta >= 0 && beta < 0.5)) {
      throw new IllegalArgumentException("trim fraction beta must be in [0, 0.5), got " + beta);
    }
    this.beta = beta;
  }

  public double beta() {
    return beta;
  }

  @Override
  public float[] aggregate(List<WeightedVector> updates) {
    int d = Aggregator.checkedLength(updates);
    int n = updates.size();
    int trim = (int) Math.floor(beta * n);
    int kept = n - 2 * trim;
    float[] out = new float[d];
    VectorKernels.parallelRanges(
        d,
        VectorKernels.threads(),
        (from, to) -> {
          float[] column = new float[n];
          for (int i = from; i < to; i++) {
            Columns.sorted(updates, i, column);
            double s = 0;
            for (int k = trim; k < n - trim; k++) {
              s += column[k];
            }
            out[i] = (float) (s / kept);
          }
        });
    return out;
  }

  @Override
  public String name() {
    return "trimmed-mean";
  }
}
