package dev.starling.aggregator;

import java.util.List;

/**
 * Coordinate-wise median (Yin et al. 2018): robust to a minority of arbitrary updates. Weights
 * are ignored; with an even count the two middle values are averaged.
 */
public final class CoordinateMedian implements Aggregator {

  @Override
  public float[] aggregate(List<WeightedVector> updates) {
    int d = Aggregator.checkedLength(updates);
    int n = updates.size();
    float[] out = new float[d];
    VectorKernels.parallelRanges(
        d,
        VectorKernels.threads(),
        (from, to) -> {
          float[] column = new float[n];
          for (int i = from; i < to; i++) {
            Columns.sorted(updates, i, column);
            out[i] = (n & 1) == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2f;
          }
        });
    return out;
  }

  @Override
  public String name() {
    return "median";
  }
}
