package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FL clients started on demand (the default: a client and its generated data are built when the
 * server first sends to it, and it stops when idle) give the bytes of every client built up front
 * and kept: with SCAFFOLD's per-client state carried across its restarts, federated evaluation
 * on held-out data, over-selection with a deadline, and clients crashing mid-round under SecAgg.
 */
class OnDemandClientsTest {

  @TempDir Path dir;

  private Path run(String name, boolean onDemand, String... sets) {
    return Cli.simulateSynthetic(dir.resolve(name + "-" + onDemand), List.of("--set", "clients.count=30",
        "--set", "server.clients-per-round=10", "--set", "clients.on-demand=" + onDemand), sets);
  }

  private void same(String name, String... sets) throws IOException {
    Path lazy = run(name, true, sets);
    Path eager = run(name, false, sets);
    for (String f : new String[] {"metrics.csv", "participants.csv"}) {
      assertArrayEquals(Files.readAllBytes(eager.resolve(f)), Files.readAllBytes(lazy.resolve(f)), name + " " + f);
    }
    if (Files.exists(eager.resolve("federated.csv"))) {
      assertArrayEquals(Files.readAllBytes(eager.resolve("federated.csv")), Files.readAllBytes(lazy.resolve("federated.csv")));
    }
    var om = new ObjectMapper();
    String h = om.readTree(eager.resolve("summary.json").toFile()).get("final_model_sha256").asText();
    assertEquals(h, om.readTree(lazy.resolve("summary.json").toFile()).get("final_model_sha256").asText(), name);
    assertEquals(64, h.length());
  }

  @Test
  void scaffoldStateAndFederatedEvaluationSurviveRestarts() throws IOException {
    // 6 rounds of 10 of 30 clients: most take part more than once and need their control variate back.
    same("scaffold", "rounds=6", "algorithm=scaffold", "server.federated-eval.every=2",
        "server.federated-eval.holdout=0.1", "server.federated-eval.clients=8");
    List<Csv.Row> fed = Csv.read(dir.resolve("scaffold-true").resolve("federated.csv"));
    assertEquals(3, fed.size());
    java.util.Map<String, Integer> times = new java.util.TreeMap<>();
    for (Csv.Row r : Csv.read(dir.resolve("scaffold-true").resolve("participants.csv"))) {
      for (String id : r.get("aggregated").split(" ")) {
        times.merge(id, 1, Integer::sum);
      }
    }
    assertTrue(times.values().stream().filter(t -> t > 1).count() >= 10, "clients took part more than once: " + times);
  }

  @Test
  void stragglersOverSelectionAndCrashesUnderSecAgg() throws IOException {
    same("deadline", "rounds=5", "server.over-selection=0.3", "network.latency=lognormal", "devices.slow-fraction=0.3",
        "server.deadline-s=0.3");
    same("secagg-crash", "rounds=5", "codec=lattice", "secagg.enabled=true", "secagg.neighbours=4", "server.deadline-s=5",
        "failures=[{kind=crash, fraction=0.2, at-s=0.05}]");
  }
}
