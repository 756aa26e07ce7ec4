package dev.starling.aggregator;

import java.util.Arrays;
import java.util.List;

/** Coordinate-wise views of a set of updates, for the robust rules. */
final class Columns {
  private Columns() {}

  /** Fills {@code column} with coordinate i of every update, sorted ascending. */
  static void sorted(List<WeightedVector> updates, int i, float[] column) {
    for (int k = 0; k < column.length; k++) {
      column[k] = updates.get(k).values()[i];
    }
    Arrays.sort(column);
  }
}
