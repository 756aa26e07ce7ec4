package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure aggregation (SecAgg+) in the simulator: with no dropouts the model equals, bit for bit,
 * the same run sending the same integer encoding in the clear (RQM level indices, and float
 * updates on the lattice codec); with clients crashing mid-protocol every round still completes;
 * what SecAgg cannot run is refused in one line.
 */
class SecAggTest {

  @TempDir Path dir;

  private Cli.Result sim(String name, String... sets) {
    List<String> args = new ArrayList<>(List.of("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out",
        dir.resolve(name).toString(), "--quiet", "--set", "rounds=4"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return Cli.run(args.toArray(String[]::new));
  }

  private JsonNode summary(String name) throws IOException {
    return new ObjectMapper().readTree(dir.resolve(name).resolve("summary.json").toFile());
  }

  private Path ok(String name, String... sets) {
    Cli.Result r = sim(name, sets);
    assertEquals(0, r.exitCode(), r.err());
    return dir.resolve(name);
  }

  @Test
  void floatUpdatesOnTheLatticeGiveTheModelOfTheClearRun() throws IOException {
    ok("clear", "codec=lattice");
    ok("masked", "codec=lattice", "secagg.enabled=true", "secagg.neighbours=4");
    assertEquals(summary("clear").get("final_model_sha256"), summary("masked").get("final_model_sha256"));
    List<Csv.Row> c = Csv.read(dir.resolve("clear/metrics.csv"));
    List<Csv.Row> m = Csv.read(dir.resolve("masked/metrics.csv"));
    assertEquals(c.get(3).get("accuracy"), m.get(3).get("accuracy"));
    assertTrue(m.get(3).integer("bytes_control") > 0, "keys, shares and reveals are counted");
    assertTrue(m.get(3).integer("bytes_total") > c.get(3).integer("bytes_total"));
    ok("plain"); // fp32 in the clear: another encoding, another model
    assertNotEquals(summary("plain").get("final_model_sha256"), summary("clear").get("final_model_sha256"));
  }

  @Test
  void rqmLevelIndicesUnderMasksGiveTheModelOfTheClearRun() throws IOException {
    String[] rqm = {"privacy.mechanism=rqm", "privacy.rqm-levels=16", "privacy.clip=0.1"};
    ok("rqm", rqm);
    List<String> masked = new ArrayList<>(List.of(rqm));
    masked.add("secagg.enabled=true");
    ok("rqm-masked", masked.toArray(String[]::new));
    assertEquals(summary("rqm").get("final_model_sha256"), summary("rqm-masked").get("final_model_sha256"));
    // min-clients = 1: the sum may hold one client, so the aggregate guarantee is the local one
    double local = summary("rqm").get("epsilon").asDouble();
    assertEquals(local, summary("rqm-masked").get("epsilon_local").asDouble());
    assertEquals(local, summary("rqm-masked").get("epsilon").asDouble(), 1e-9 * local);
  }

  /**
   * RQM under SecAgg is accounted for what the server sees, the sum of at least min-clients
   * clients' outputs: epsilon is well below epsilon_local (the guarantee without SecAgg, the
   * clear run's epsilon), and it is the privacy command's --aggregate-clients figure.
   */
  @Test
  void rqmUnderSecAggIsAccountedForTheSum() throws IOException {
    String[] rqm = {"privacy.mechanism=rqm", "privacy.rqm-levels=16", "privacy.clip=0.1", "server.min-clients=10"};
    ok("local", rqm); // 4 rounds, 10 of 100 clients per round
    List<String> masked = new ArrayList<>(List.of(rqm));
    masked.add("secagg.enabled=true");
    ok("sum", masked.toArray(String[]::new));
    JsonNode local = summary("local");
    JsonNode sum = summary("sum");
    assertEquals(local.get("epsilon").asDouble(), sum.get("epsilon_local").asDouble(), 1e-9);
    assertTrue(sum.get("epsilon").asDouble() < 0.2 * sum.get("epsilon_local").asDouble(), sum.toString());
    List<Csv.Row> rows = Csv.read(dir.resolve("sum/metrics.csv"));
    assertEquals(sum.get("epsilon").asDouble(), rows.get(rows.size() - 1).num("epsilon"), 1e-5);
    int params = 60 * 10 + 10; // logistic regression on LEAF Synthetic's defaults: 60 features, 10 classes
    JsonNode cli = new ObjectMapper().readTree(Cli.run("privacy", "rqm", "--levels", "16", "--keep-prob", "0.25",
        "--range-ratio", "10", "--coordinates", Integer.toString(params), "--rounds", "4", "--sampling-rate", "0.1",
        "--aggregate-clients", "10", "--delta", "1e-5", "--json").out());
    assertEquals(cli.get("epsilon").asDouble(), sum.get("epsilon").asDouble(), 1e-6);
    assertTrue(cli.get("epsilon").asDouble() < cli.get("epsilon_local").asDouble());
    assertEquals(10, cli.get("aggregate_clients_analysed").asInt());
  }

  @Test
  void clientsCrashingMidProtocolLeaveEveryRoundComplete() throws IOException {
    Path run = ok("crash", "codec=lattice", "secagg.enabled=true", "rounds=6", "server.deadline-s=5",
        "server.clients-per-round=20", "failures=[{kind=crash, fraction=0.1, at-s=1.0}]");
    assertEquals("completed", summary("crash").get("status").asText());
    List<Csv.Row> rows = Csv.read(run.resolve("metrics.csv"));
    assertEquals(6, rows.size());
    int short_ = 0;
    for (Csv.Row r : rows) {
      short_ += r.integer("participants") < r.integer("invited") ? 1 : 0;
    }
    assertTrue(short_ > 0, "some round lost crashed clients and still closed");
    assertEquals(11, Files.readAllLines(run.resolve("failures.csv")).size(), "10 crashed clients and the header");
  }

  @Test
  void whatSecAggCannotRunIsRefusedInOneLine() {
    Cli.Result floats = sim("f", "secagg.enabled=true");
    assertEquals(2, floats.exitCode());
    assertTrue(floats.err().contains("config key 'secagg.enabled'") && floats.err().contains("codec = lattice"), floats.err());
    Cli.Result median = sim("m", "secagg.enabled=true", "codec=lattice", "server.aggregator=median");
    assertEquals(2, median.exitCode());
    assertTrue(median.err().contains("fedavg"), median.err());
    Cli.Result wrap = sim("w", "secagg.enabled=true", "codec=lattice", "secagg.bits=8");
    assertEquals(2, wrap.exitCode());
    assertTrue(wrap.err().contains("config key 'secagg.bits'"), wrap.err());
  }
}
