package dev.starling.aggregator;

import java.util.List;

/**
 * Combines the clients' update vectors of one round into a single vector.
 *
 * <p>Implementations are pure functions of their input (deterministic: the same list in the same
 * order yields bit-identical output) and never mutate the input vectors.
 */
public interface Aggregator {

  /**
   * @param updates at least one vector, all of the same length
   * @return a new vector of that length
   */
  float[] aggregate(List<WeightedVector> updates);

  /** A short, stable name used in configs and reports. */
  String name();

  /** The fewest updates {@link #aggregate} accepts (a config is checked against it before a run). */
  default int minUpdates() {
    return 1;
  }

  /** Checks the common preconditions and returns the common vector length. */
  static int checkedLength(List<WeightedVector> updates) {
    if (updates == null || updates.isEmpty()) {
      throw new IllegalArgumentException("nothing to aggregate: the update list is empty");
    }
    int d = updates.get(0).length();
    for (int k = 1; k < updates.size(); k++) {
      if (updates.get(k).length() != d) {
        throw new IllegalArgumentException(
            "update " + k + " has length " + updates.get(k).length() + ", expected " + d);
      }
    }
    return d;
  }
}
