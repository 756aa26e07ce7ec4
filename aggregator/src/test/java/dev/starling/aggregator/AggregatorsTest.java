package dev.starling.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AggregatorsTest {

  private static WeightedVector v(double w, float... xs) {
    return new WeightedVector(xs, w);
  }

  @Test
  void fedAvgWeightsBySampleCount() {
    // (1*[1,2] + 3*[5,6]) / 4 = [4, 5]
    float[] out = new FedAvg().aggregate(List.of(v(1, 1, 2), v(3, 5, 6)));
    assertArrayEquals(new float[] {4f, 5f}, out, 1e-6f);
  }

  @Test
  void fedAvgWithZeroWeightsIsUnweightedMean() {
    float[] out = new FedAvg().aggregate(List.of(v(0, 1, 3), v(0, 3, 5)));
    assertArrayEquals(new float[] {2f, 4f}, out, 1e-6f);
  }

  @Test
  void fedAvgLargeVectorMatchesSerialReferenceExactly() {
    // Large enough to be split across threads; the split must not change a single bit.
    Random r = new Random(7);
    int d = 300_001;
    List<WeightedVector> ups = new java.util.ArrayList<>();
    for (int k = 0; k < 5; k++) {
      float[] x = new float[d];
      for (int i = 0; i < d; i++) {
        x[i] = (float) r.nextGaussian();
      }
      ups.add(new WeightedVector(x, k + 1));
    }
    float[] par = new FedAvg().aggregate(ups);
    float[][] vs = ups.stream().map(WeightedVector::values).toArray(float[][]::new);
    float[] ws = {1f / 15, 2f / 15, 3f / 15, 4f / 15, 5f / 15};
    float[] serial = new float[d];
    VectorKernels.weightedSum(vs, ws, serial, 1);
    assertArrayEquals(serial, par);
    double expected0 = 0;
    for (int k = 0; k < 5; k++) {
      expected0 += (k + 1) / 15.0 * ups.get(k).values()[0];
    }
    assertEquals(expected0, par[0], 1e-5);
  }

  @Test
  void mismatchedLengthsAndEmptyInputAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new FedAvg().aggregate(List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new FedAvg().aggregate(List.of(v(1, 1, 2), v(1, 1))));
  }

  @Test
  void medianOddAndEven() {
    float[] odd = new CoordinateMedian().aggregate(List.of(v(1, 1, 9), v(1, 100, 2), v(1, 3, -4)));
    assertArrayEquals(new float[] {3f, 2f}, odd);
    float[] even =
        new CoordinateMedian().aggregate(List.of(v(1, 1), v(1, 100), v(1, 3), v(1, -50)));
    assertArrayEquals(new float[] {2f}, even); // middle pair 1 and 3
  }

  @Test
  void trimmedMeanDropsExtremes() {
    // n=5, beta=0.2 -> trim 1 each end: [-100, 1, 2, 3, 100] -> mean(1,2,3) = 2
    float[] out =
        new TrimmedMean(0.2)
            .aggregate(List.of(v(1, 100), v(1, 1), v(1, -100), v(1, 3), v(1, 2)));
    assertArrayEquals(new float[] {2f}, out, 1e-6f);
    // beta so small that nothing is trimmed: plain mean
    float[] mean = new TrimmedMean(0.1).aggregate(List.of(v(1, 1), v(1, 2), v(1, 6)));
    assertArrayEquals(new float[] {3f}, mean, 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> new TrimmedMean(0.5));
  }

  @Test
  void krumScoresAndSelection() {
    // Points on a line: 0, 1, 2, 10 (1-D), f = 0 -> n - f - 2 = 2 nearest neighbours.
    List<WeightedVector> ups = List.of(v(1, 0), v(1, 1), v(1, 2), v(1, 10));
    Krum krum = new Krum(0, 1);
    double[] s = krum.scores(ups);
    // 0: nearest 1 (1), 2 (4) -> 5 ; 1: 0 (1), 2 (1) -> 2 ; 2: 1 (1), 0 (4) -> 5 ; 10: 64+81 -> 145
    assertArrayEquals(new double[] {5, 2, 5, 145}, s, 1e-12);
    assertArrayEquals(new float[] {1f}, krum.aggregate(ups));
    // Multi-Krum m = 3: mean of the three best (1, then 0 and 2 tie -> lower index first) = 1
    assertArrayEquals(new float[] {1f}, new Krum(0, 3).aggregate(ups), 1e-6f);
    // The outlier is excluded: m = 2 -> mean(1, 0) = 0.5
    assertArrayEquals(new float[] {0.5f}, new Krum(0, 2).aggregate(ups), 1e-6f);
  }

  @Test
  void krumNeedsEnoughUpdates() {
    List<WeightedVector> ups = List.of(v(1, 0), v(1, 1), v(1, 2), v(1, 10));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Krum(1, 1).aggregate(ups));
    assertEquals("Krum with f=1 needs at least 5 updates, got 4", e.getMessage());
  }
}
