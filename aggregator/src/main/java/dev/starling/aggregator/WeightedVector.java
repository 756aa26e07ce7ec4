package dev.starling.aggregator;

import java.util.Objects;

/**
 * One contribution to an aggregation: a flat parameter (or update) vector and its weight,
 * typically the number of samples the client trained on.
 *
 * <p>The array is not copied; callers hand over ownership and must not mutate it afterwards.
 */
public record WeightedVector(float[] values, double weight) {
  public WeightedVector {
    Objects.requireNonNull(values, "values");
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and >= 0, got " + weight);
    }
  }

  public int length() {
    return values.length;
  }
}
