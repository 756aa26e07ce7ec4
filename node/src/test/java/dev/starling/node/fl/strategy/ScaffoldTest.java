package dev.starling.node.fl.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.ServerSgd;
import dev.starling.node.data.DenseDataset;
import dev.starling.node.fl.ClientTraining;
import dev.starling.node.fl.ClientUpdate;
import dev.starling.node.fl.RoundConfig;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.RoleFixtures;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** SCAFFOLD's two halves against the paper's update rules (option II), on a real model and data. */
class ScaffoldTest {

  static final int P = RoleFixtures.PARAMS;
  final ModelPool models = RoleFixtures.models();
  final DenseDataset data = RoleFixtures.testData();
  final int[] shard = {0, 1, 2, 3};
  final double lr = models.training().learningRate();

  ClientTraining.ClientFit fit(float[] global, float[] c, TreeMap<String, float[]> state) {
    return new Scaffold.Client().fit(new ClientTraining.FitTask(models.newModel(0), global, data, shard, models.training(),
        11, new RoundConfig(Map.of(), Map.of(Scaffold.C, c)), state));
  }

  @Test
  void withZeroControlVariatesTheClientTrainsAsFedAvgAndLearnsItsDrift() {
    float[] global = RoleFixtures.filled(0.1f);
    ClientTraining.ClientFit f = fit(global, new float[P], new TreeMap<>());
    LocalTrainer.Result plain = LocalTrainer.train(models.newModel(0), global, data, shard, models.training(), 11);
    assertArrayEquals(plain.params(), f.result().params(), 0f, "a zero correction changes no bit");
    float[] ci = f.state().get(Scaffold.CI);
    float[] dc = f.tensors().get(Scaffold.DC);
    for (int j = 0; j < P; j++) {
      float want = (float) ((global[j] - plain.params()[j]) / (plain.steps() * lr));
      assertEquals(want, ci[j], 1e-6f * Math.max(1, Math.abs(want)), "c_i+ = (x - y) / (K lr) at j=" + j);
      assertEquals(ci[j], dc[j], 0f, "dc = c_i+ - 0");
    }
  }

  @Test
  void theCorrectionMovesTrainingByTheControlVariatesAndUpdatesTheClientsOwn() {
    float[] global = RoleFixtures.filled(0.1f);
    TreeMap<String, float[]> state = new TreeMap<>(fit(global, new float[P], new TreeMap<>()).state());
    float[] ci = state.get(Scaffold.CI);
    float[] c = RoleFixtures.filled(0.5f);
    ClientTraining.ClientFit f = fit(global, c, state);
    LocalTrainer.Result plain = LocalTrainer.train(models.newModel(0), global, data, shard, models.training(), 11);
    assertFalse(Arrays.equals(plain.params(), f.result().params()), "c - c_i != 0 must change local training");
    float[] y = f.result().params();
    float[] next = f.state().get(Scaffold.CI);
    float[] dc = f.tensors().get(Scaffold.DC);
    for (int j = 0; j < P; j++) {
      double want = ci[j] - c[j] + (global[j] - y[j]) / (f.result().steps() * lr);
      assertEquals(want, next[j], 1e-5 * Math.max(1, Math.abs(want)));
      assertEquals(next[j] - ci[j], dc[j], 1e-6f);
    }
    assertArrayEquals(RoleFixtures.filled(0.5f), c, 0f, "the round config is read, not changed");
  }

  @Test
  void theServerStepsTheModelAndMovesCByTheSampledShareOfTheMeanChange() {
    Scaffold.Server s = new Scaffold.Server(new ServerSgd(1.0), 4, P);
    assertArrayEquals(new float[P], s.configureFit(1).tensor(Scaffold.C), 0f);
    float[] global = new float[P];
    List<ClientUpdate> ups = List.of(
        new ClientUpdate(1, RoleFixtures.filled(1f), 1, 0, Map.of(Scaffold.DC, RoleFixtures.filled(2f))),
        new ClientUpdate(3, RoleFixtures.filled(4f), 3, 0, Map.of(Scaffold.DC, RoleFixtures.filled(6f))));
    s.aggregateFit(1, ups, new FedAvg(), global);
    assertArrayEquals(RoleFixtures.filled(3.25f), global, 0f); // the sample-weighted mean delta, server lr 1
    assertArrayEquals(RoleFixtures.filled(2f), s.controlVariate(), 0f); // (2 / 4) * mean(2, 6)
    assertArrayEquals(RoleFixtures.filled(2f), s.configureFit(2).tensor(Scaffold.C), 0f);

    Scaffold.Server restored = new Scaffold.Server(new ServerSgd(1.0), 4, P);
    restored.restore(s.state());
    assertArrayEquals(s.controlVariate(), restored.controlVariate(), 0f);
    assertThrows(IllegalArgumentException.class, () -> restored.restore(Map.of()));
  }
}
