package dev.starling.node.learning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.data.SyntheticLeaf;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LocalTrainerTest {

  private static final SyntheticLeaf.Split DATA =
      SyntheticLeaf.generate(new SyntheticLeaf.Params(0.5, 0.5, 10, 20, 5, 150, 0.3, 10, 0.2, 3));

  private static ModelSpec spec(ModelSpec.Type t) {
    return new ModelSpec(t, new int[] {16}, DATA.train().featureShape(), 5);
  }

  @Test
  void flatParametersRoundTripWithoutLoss() {
    Model m = new Dl4jModel(spec(ModelSpec.Type.MLP), TrainingConfig.sgd(1, 8, 0.1), 1);
    float[] p = m.params();
    assertEquals(20 * 16 + 16 + 16 * 5 + 5, p.length);
    float[] q = new float[p.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = i * 0.001f;
    }
    m.setParams(q);
    assertArrayEquals(q, m.params());
  }

  @Test
  void sameSeedSameResultRegardlessOfInstance() {
    TrainingConfig tc = new TrainingConfig(2, 8, TrainingConfig.Optimizer.ADAMW, 0.01, 0, 0.01, 0, 0);
    int[] idx = IntStream.range(0, 120).toArray();
    Model a = new Dl4jModel(spec(ModelSpec.Type.MLP), tc, 1);
    Model b = new Dl4jModel(spec(ModelSpec.Type.MLP), tc, 99); // different init: overwritten by start
    float[] start = a.params();
    LocalTrainer.Result ra = LocalTrainer.train(a, start, DATA.train(), idx, tc, 42);
    LocalTrainer.train(b, start, DATA.train(), idx, tc, 7); // leaves optimizer state behind
    LocalTrainer.Result rb = LocalTrainer.train(b, start, DATA.train(), idx, tc, 42);
    assertArrayEquals(ra.params(), rb.params());
    LocalTrainer.Result rc = LocalTrainer.train(b, start, DATA.train(), idx, tc, 43);
    assertFalse(Arrays.equals(ra.params(), rc.params()));
    assertEquals(120, ra.samples());
    assertEquals(240, ra.processed());
    assertEquals(30, ra.steps());
  }

  @Test
  void trainingReducesLossAndLearns() {
    TrainingConfig tc = TrainingConfig.sgd(5, 16, 0.1);
    Model m = new Dl4jModel(spec(ModelSpec.Type.LOGREG), tc, 1);
    int[] idx = IntStream.range(0, DATA.train().size()).toArray();
    Evaluation before = m.evaluate(DATA.train(), idx);
    LocalTrainer.train(m, m.params(), DATA.train(), idx, tc, 1);
    Evaluation after = m.evaluate(DATA.train(), idx);
    assertTrue(after.loss() < before.loss() * 0.8, before + " -> " + after);
    assertTrue(after.accuracy() > before.accuracy(), before + " -> " + after);
  }

  @Test
  void proximalTermKeepsParametersCloserToTheAnchor() {
    int[] idx = IntStream.range(0, 120).toArray();
    TrainingConfig plain = new TrainingConfig(3, 8, TrainingConfig.Optimizer.SGD, 0.1, 0, 0, 0, 0);
    TrainingConfig prox = new TrainingConfig(3, 8, TrainingConfig.Optimizer.SGD, 0.1, 0, 0, 1.0, 0);
    Model m = new Dl4jModel(spec(ModelSpec.Type.LOGREG), plain, 1);
    float[] start = m.params();
    double dPlain = dist(LocalTrainer.train(m, start, DATA.train(), idx, plain, 5).params(), start);
    Model mp = new Dl4jModel(spec(ModelSpec.Type.LOGREG), prox, 1);
    double dProx = dist(LocalTrainer.train(mp, start, DATA.train(), idx, prox, 5).params(), start);
    assertTrue(dProx < dPlain, "prox " + dProx + " vs plain " + dPlain);
  }

  @Test
  void maxStepsBoundsTheWork() {
    TrainingConfig tc = new TrainingConfig(3, 10, TrainingConfig.Optimizer.SGD, 0.1, 0, 0, 0, 4);
    Model m = new Dl4jModel(spec(ModelSpec.Type.LOGREG), tc, 1);
    LocalTrainer.Result r = LocalTrainer.train(m, m.params(), DATA.train(), IntStream.range(0, 100).toArray(), tc, 1);
    assertEquals(4, r.steps());
    assertEquals(40, r.processed());
    assertEquals(40, LocalTrainer.plannedSamples(100, tc));
    assertEquals(300, LocalTrainer.plannedSamples(100, new TrainingConfig(3, 10, TrainingConfig.Optimizer.SGD, 0.1, 0, 0, 0, 0)));
  }

  @Test
  void cnnBuildsForImagesOnly() {
    ModelSpec cnn = new ModelSpec(ModelSpec.Type.CNN, null, new int[] {1, 28, 28}, 10);
    Model m = new Dl4jModel(cnn, TrainingConfig.sgd(1, 8, 0.1), 1);
    assertEquals(61_706, m.numParams());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new ModelSpec(ModelSpec.Type.CNN, null, new int[] {60}, 10));
    assertTrue(e.getMessage().contains("image"));
  }

  private static double dist(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (double) (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }
}
