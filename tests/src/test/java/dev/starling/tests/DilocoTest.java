package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.app.config.ConfigLoader;
import dev.starling.app.family.Families;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.DilocoSimulation;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import dev.starling.node.diloco.OuterNesterov;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.learning.StepTrainer;
import dev.starling.node.learning.TrainingConfig;
import dev.starling.node.learning.engine.EngineModel;
import dev.starling.node.runtime.Seeds;
import dev.starling.sampling.partition.IidPartitioner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DiLoCo's actors against a straightforward single-threaded implementation of the algorithm
 * (diloco.md section 1.2), bit for bit.
 */
class DilocoTest {

  @TempDir Path dir;

  private SimConfig config(String name, String... sets) throws IOException {
    Path cfg = dir.resolve(name + ".conf");
    Files.writeString(cfg, String.join("\n",
        "seed = 5", "algorithm = diloco", "data.dataset = synthetic", "data.partition = iid",
        "data.synthetic { alpha = 0.5, beta = 0.5 }", "clients.count = 40", "model { type = mlp, hidden = [16] }",
        "training { optimizer = adamw, learning-rate = 0.003, weight-decay = 0.0 }",
        "diloco { replicas = 3, inner-steps = 12, total-steps = 60, batch-size = 16 }", "codec = fp32"));
    return ConfigLoader.load(cfg, List.of(sets), null, dir.resolve(name + "-out"), Families.standard());
  }

  private static RunResult simulate(SimConfig cfg, Map<String, Set<String>> trace) {
    DataLoader.Loaded data = DataLoader.load(cfg, s -> { });
    try (RunWriter w = new RunWriter(cfg.output().dir())) {
      return DilocoSimulation.run(cfg, data, w, row -> { }, trace);
    }
  }

  /** Plain DiLoCo written out as loops; {@code fedAvg} replaces the outer step by the mean of the locals. */
  private static float[] reference(SimConfig cfg) {
    DataLoader.Loaded data = DataLoader.load(cfg, s -> { });
    SimConfig.Diloco d = cfg.diloco();
    int m = d.replicas();
    int[][] parts = new IidPartitioner().partition(data.train().labels(), null, m,
        RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.derive(cfg.seed(), 1)));
    ModelSpec spec = new ModelSpec(ModelSpec.Type.MLP, new int[] {16}, data.train().featureShape(), data.train().numClasses());
    TrainingConfig tc = cfg.training();
    float[] global = new EngineModel(spec, tc, Seeds.derive(cfg.seed(), 2)).params();
    float[] mom = new float[global.length];
    EngineModel[] models = new EngineModel[m];
    for (int r = 0; r < m; r++) {
      models[r] = new EngineModel(spec, tc, Seeds.derive(cfg.seed(), 8, r));
      models[r].setParams(global);
      models[r].resetOptimizer();
    }
    int[] all = new int[global.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    long rounds = d.totalSteps() / d.innerSteps();
    for (long k = 0; k < rounds; k++) {
      float[] acc = new float[global.length];
      for (int r = 0; r < m; r++) {
        StepTrainer.run(models[r], data.train(), parts[r], d.batchSize(), Seeds.derive(Seeds.derive(cfg.seed(), 5), r),
            k * d.innerSteps() + 1, d.innerSteps());
        float[] local = models[r].params();
        for (int i = 0; i < acc.length; i++) {
          acc[i] += global[i] - local[i];
        }
      }
      float inv = 1f / m;
      for (int i = 0; i < acc.length; i++) {
        acc[i] *= inv;
      }
      OuterNesterov.step(global, mom, all, acc, (float) d.outerLr(), (float) d.outerMomentum());
      for (int r = 0; r < m; r++) {
        models[r].setParams(global);
      }
    }
    return global;
  }

  @Test
  void oneFragmentNoOverlapIsPlainDilocoBitForBit() throws IOException {
    SimConfig cfg = config("plain");
    RunResult sim = simulate(cfg, null);
    assertEquals(5, sim.rows().size());
    assertEquals(RunWriter.modelSha256(reference(cfg)), RunWriter.modelSha256(sim.finalParams()));
    Object[] ckpt = RunWriter.readCheckpoint(dir.resolve("plain-out/outer-checkpoint.bin"));
    assertEquals(5, ckpt[0], "the checkpoint is of the last outer round");
    assertEquals(RunWriter.modelSha256(sim.finalParams()), RunWriter.modelSha256((float[]) ckpt[1]));
  }

  @Test
  void outerLrOneWithoutMomentumIsFedAvgOfTheReplicas() throws IOException {
    SimConfig cfg = config("fedavg", "diloco.outer-lr=1.0", "diloco.outer-momentum=0.0");
    float[] g = reference(cfg);
    // With lr 1 and momentum 0 the outer step is G - mean(G - local) = mean(local): FedAvg.
    RunResult sim = simulate(cfg, null);
    float[] s = sim.finalParams();
    for (int i = 0; i < g.length; i++) {
      assertEquals(g[i], s[i], 1e-6f);
    }
  }

  @Test
  void everyReplicaHoldsTheSameGlobalAfterEverySync() throws IOException {
    SimConfig cfg = config("streaming", "codec=e3m0", "diloco.fragments=4", "diloco.overlap=2", "diloco.mix=0.5");
    Map<String, Set<String>> trace = new TreeMap<>();
    RunResult r = simulate(cfg, trace);
    assertEquals(5, r.rows().size());
    assertEquals(4 * 5, trace.size(), "every fragment synced once per round");
    for (Map.Entry<String, Set<String>> e : trace.entrySet()) {
      assertEquals(1, e.getValue().size(), "replicas' global copies differ after sync " + e.getKey());
    }
  }

  @Test
  void streamingIsDeterministic() throws IOException {
    String[] sets = {"codec=e3m0", "diloco.fragments=4", "diloco.overlap=2"};
    RunResult a = simulate(config("det-a", sets), null);
    RunResult b = simulate(config("det-b", sets), null);
    assertEquals(Files.readString(dir.resolve("det-a-out/metrics.csv")), Files.readString(dir.resolve("det-b-out/metrics.csv")));
    assertEquals(RunWriter.modelSha256(a.finalParams()), RunWriter.modelSha256(b.finalParams()));
  }

  @Test
  void streamingSendsAQuarterOfTheBytesPerSync() throws IOException {
    long full = (long) simulate(config("p1"), null).extras().get("peak_bytes_per_sync");
    long quarter = (long) simulate(config("p4", "diloco.fragments=4"), null).extras().get("peak_bytes_per_sync");
    double ratio = (double) full / quarter;
    assertTrue(ratio > 3.9 && ratio < 4.1, "peak bytes per sync, P=1 over P=4: " + ratio);
  }
}
