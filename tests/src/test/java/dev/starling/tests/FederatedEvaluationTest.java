package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Federated evaluation in every family: FL and FedBuff clients, MoDeST participants, D-PSGD /
 * Epidemic Learning nodes and DiLoCo replicas score the model they receive (or hold) on
 * their own held-out data; {@code federated.csv} has a row per evaluated round and
 * {@code metrics.csv} carries its sample-weighted mean and 10th percentile on the same rounds.
 */
class FederatedEvaluationTest {

  @TempDir Path dir;

  private Path run(String name, String... sets) {
    return Cli.simulateSynthetic(dir.resolve(name), List.of("--set", "rounds=6", "--set", "server.federated-eval.every=2",
        "--set", "server.federated-eval.holdout=0.2", "--set", "server.federated-eval.clients=8"), sets);
  }

  private static void check(Path out, int expectedAsked) throws IOException {
    List<Csv.Row> fed = Csv.read(out.resolve("federated.csv"));
    assertEquals(List.of(2L, 4L, 6L), fed.stream().map(r -> r.integer("round")).toList(), out.toString());
    List<Csv.Row> metrics = Csv.read(out.resolve("metrics.csv"));
    for (Csv.Row m : metrics) {
      Csv.Row f = fed.stream().filter(r -> r.integer("round") == m.integer("round")).findFirst().orElse(null);
      if (f == null) {
        assertEquals("", m.get("fed_accuracy"), "round " + m.get("round"));
        assertEquals("", m.get("fed_accuracy_p10"));
        continue;
      }
      assertEquals(expectedAsked, f.integer("asked"), out.toString());
      assertTrue(f.integer("answered") > 0 && f.integer("samples") > 0);
      double mean = f.num("accuracy");
      double p10 = f.num("accuracy_p10");
      assertTrue(mean > 0 && mean <= 1 && p10 >= 0 && p10 <= 1, mean + " " + p10);
      assertEquals(f.get("accuracy"), m.get("fed_accuracy"));
      assertEquals(f.get("accuracy_p10"), m.get("fed_accuracy_p10"));
    }
  }

  @Test
  void everyFamilyWithClientsOrPeersReportsTheirOwnView() throws IOException {
    check(run("fl"), 8);
    check(run("fedbuff", "algorithm=fedbuff"), 8);
    check(run("modest", "algorithm=modest", "modest.aggregation-timeout-s=30"), 8);
    check(run("dpsgd", "algorithm=dpsgd", "dl.round-deadline-s=30"), 8);
    check(run("epidemic", "algorithm=epidemic", "dl.round-deadline-s=30"), 8);
    // DiLoCo: the three replicas score each outer model on their own held-out part (6 outer rounds).
    check(run("diloco", "algorithm=diloco", "data.partition=iid", "model.type=mlp", "model.hidden=[16]",
        "training.optimizer=adamw", "training.learning-rate=0.003", "diloco.replicas=3", "diloco.inner-steps=12",
        "diloco.total-steps=72", "diloco.batch-size=16"), 3);
  }

  @Test
  void theNodesOwnViewSeesWhatTheTestSetHides() throws IOException {
    // D-PSGD on non-IID data: the worst-served decile of nodes does worse than the weighted mean.
    Path out = run("dpsgd-skew", "algorithm=dpsgd", "dl.round-deadline-s=30", "server.federated-eval.clients=40");
    List<Csv.Row> fed = Csv.read(out.resolve("federated.csv"));
    Csv.Row last = fed.get(fed.size() - 1);
    assertTrue(last.num("accuracy_p10") < last.num("accuracy"), last.get("accuracy_p10") + " vs " + last.get("accuracy"));
  }
}
