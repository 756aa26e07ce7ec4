package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCAFFOLD through {@code starling simulate} on LEAF Synthetic(1, 1), where every client's data
 * has its own distribution: its control variates correct the client drift that holds FedAvg back,
 * on the same clients, samples and seed; and federated evaluation reports the clients' view.
 */
class ScaffoldRunTest {

  @TempDir Path dir;

  JsonNode run(String name, String... sets) throws Exception {
    Path out = dir.resolve(name);
    List<String> args = new ArrayList<>(List.of("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(),
        "--quiet", "--out", out.toString(), "--set", "rounds=60"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
  }

  @Test
  void scaffoldCorrectsClientDriftThatHoldsFedAvgBack() throws Exception {
    double fedavg = run("fedavg").get("final_accuracy").asDouble();
    JsonNode scaffold = run("scaffold", "algorithm=scaffold", "server.federated-eval.every=20",
        "server.federated-eval.holdout=0.1");
    double acc = scaffold.get("final_accuracy").asDouble();
    assertTrue(acc > fedavg + 0.05, "scaffold " + acc + " vs fedavg " + fedavg);
    assertTrue(scaffold.get("bytes_total").asLong() > 0);

    List<Csv.Row> fed = Csv.read(dir.resolve("scaffold").resolve("federated.csv"));
    assertEquals(List.of(20L, 40L, 60L), fed.stream().map(r -> r.integer("round")).toList());
    for (Csv.Row r : fed) {
      assertEquals(10, r.integer("asked"));
      assertEquals(10, r.integer("answered"));
      assertTrue(r.integer("samples") > 0 && r.num("accuracy") >= 0 && r.num("accuracy") <= 1);
    }
    assertTrue(Files.notExists(dir.resolve("fedavg").resolve("federated.csv")), "no federated evaluation unless asked");
  }
}
