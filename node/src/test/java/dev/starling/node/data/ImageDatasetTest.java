package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ImageDatasetTest {

  private static final ImageDataset TWO = new ImageDataset("t", new byte[] {0, (byte) 255, (byte) 255, (byte) 255},
      new int[] {0, 1}, new int[] {1, 1, 2}, 2);

  @Test
  void readsPixelsInUnitRangeByDefault() {
    float[] x = new float[2];
    TWO.features(0, x, 0);
    assertEquals(0f, x[0]);
    assertEquals(1f, x[1]);
  }

  @Test
  void pixelStatsAreThePopulationMeanAndStd() {
    double[] st = TWO.pixelStats();
    assertEquals(0.75, st[0], 1e-12);
    assertEquals(Math.sqrt(0.75 * 0.25), st[1], 1e-12);
  }

  @Test
  void standardizedReadsSubtractTheMeanAndDivideByTheStd() {
    double[] st = TWO.pixelStats();
    ImageDataset z = TWO.standardized(st[0], st[1]);
    float[] x = new float[4];
    z.features(0, x, 0);
    z.features(1, x, 2);
    double sum = 0;
    double sq = 0;
    for (float v : x) {
      sum += v;
      sq += v * v;
    }
    assertEquals(0, sum / 4, 1e-6);
    assertEquals(1, sq / 4, 1e-6);
    assertEquals(TWO.labels()[1], z.label(1));
    assertThrows(IllegalArgumentException.class, () -> TWO.standardized(0.5, 0));
  }
}
