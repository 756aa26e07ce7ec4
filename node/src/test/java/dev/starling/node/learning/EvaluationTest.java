package dev.starling.node.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The combinations federated evaluation reports: weighted means and nearest-rank quantiles. */
class EvaluationTest {

  private static List<Evaluation> accuracies(double... a) {
    List<Evaluation> out = new ArrayList<>();
    for (double v : a) {
      out.add(new Evaluation(v, 1 - v, 10));
    }
    return out;
  }

  @Test
  void tenthPercentileIsTheNearestRank() {
    // 20 clients: the 2nd smallest; 10 clients: the smallest; 11 clients: the 2nd smallest.
    double[] twenty = new double[20];
    for (int i = 0; i < 20; i++) {
      twenty[i] = (19 - i) / 20.0;
    }
    assertEquals(1 / 20.0, Evaluation.accuracyQuantile(accuracies(twenty), 0.1));
    assertEquals(0.3, Evaluation.accuracyQuantile(accuracies(0.9, 0.3, 0.8, 0.7, 0.6, 0.5, 0.4, 0.95, 0.85, 0.75), 0.1));
    assertEquals(0.4, Evaluation.accuracyQuantile(accuracies(0.9, 0.3, 0.8, 0.7, 0.6, 0.5, 0.4, 0.95, 0.85, 0.75, 0.65), 0.1));
    assertEquals(0.7, Evaluation.accuracyQuantile(accuracies(0.7), 0.1));
    assertEquals(0.95, Evaluation.accuracyQuantile(accuracies(0.9, 0.3, 0.95), 1.0));
    assertTrue(Double.isNaN(Evaluation.accuracyQuantile(List.of(), 0.1)));
  }

  @Test
  void weightedMeanWeighsBySamples() {
    Evaluation m = Evaluation.weightedMean(List.of(new Evaluation(1.0, 0.0, 30), new Evaluation(0.0, 2.0, 10)));
    assertEquals(0.75, m.accuracy(), 1e-12);
    assertEquals(0.5, m.loss(), 1e-12);
    assertEquals(40, m.samples());
    assertNull(Evaluation.weightedMean(List.of()));
  }
}
