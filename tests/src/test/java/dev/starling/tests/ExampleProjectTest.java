package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The how-to's example project (examples/feddyn-plugin) as a user builds and runs it: Starling's
 * artifacts installed with its Maven wrapper, the user's project (a FedDyn strategy with per-round
 * config and per-client state, a DL4J model, a CSV dataset) built against them with Maven, and
 * its jar given to {@code ./starling simulate --plugin} and {@code ./starling node local --plugin}.
 *
 * <p>It runs in a copy of the checkout (the files git tracks or would track), so the build it
 * starts cannot touch the classes this test run is loading.
 */
class ExampleProjectTest {

  static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();
  static final String JAR = "examples/feddyn-plugin/target/feddyn-plugin-1.0.jar";

  @TempDir
  static Path tmp;

  static Path copy;

  @BeforeAll
  static void installStarlingAndBuildTheExample() throws Exception {
    copy = tmp.resolve("starling");
    Process ls = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        .directory(ROOT.toFile()).redirectErrorStream(false).start();
    byte[] names = ls.getInputStream().readAllBytes();
    assertEquals(0, ls.waitFor(), "git ls-files in " + ROOT);
    for (String name : new String(names, StandardCharsets.UTF_8).split("\0")) {
      Path src = ROOT.resolve(name);
      if (name.isEmpty() || !Files.isRegularFile(src)) {
        continue; // deleted in the work tree
      }
      Path dst = copy.resolve(name);
      Files.createDirectories(dst.getParent());
      Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
    }
    run(copy, 900, "./mvnw", "-B", "-q", "-DskipTests", "-pl", "app", "-am", "install");
    run(copy.resolve("examples/feddyn-plugin"), 600, "../../mvnw", "-B", "-q", "package");
    assertTrue(Files.isRegularFile(copy.resolve(JAR)), "the example's jar");
  }

  /** Runs a command in {@code dir}; its output goes to a log file named in the failure. */
  static void run(Path dir, long timeoutS, String... cmd) throws IOException, InterruptedException {
    Path log = Files.createTempFile(tmp, "cmd", ".log");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(timeoutS, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    assertTrue(done && p.exitValue() == 0, String.join(" ", cmd) + " in " + dir + (done ? " exited " + p.exitValue()
        : " timed out") + ":\n" + out.substring(Math.max(0, out.length() - 4000)));
  }

  static JsonNode simulate(String out, String config, String... sets) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("./starling", "simulate", "-q", "--plugin", JAR, "--out", out));
    for (String s : sets) {
      cmd.add("--set");
      cmd.add(s);
    }
    cmd.add(config);
    run(copy, 600, cmd.toArray(String[]::new));
    return new ObjectMapper().readTree(copy.resolve(out).resolve("summary.json").toFile());
  }

  @Test
  void theUsersStrategyModelAndCsvDataRunThroughStarlingSimulate() throws Exception {
    JsonNode s = simulate("runs/feddyn", "examples/feddyn-plugin/feddyn.conf");
    assertEquals("feddyn", s.get("algorithm").asText());
    assertEquals("completed", s.get("status").asText());
    Path dir = copy.resolve("runs/feddyn");
    String resolved = Files.readString(dir.resolve("config.conf"));
    assertTrue(resolved.contains("tanh-mlp"), "the user's model type ran");
    List<Csv.Row> rows = Csv.read(dir.resolve("metrics.csv"));
    assertEquals(15, rows.size());
    double acc = rows.get(rows.size() - 1).num("accuracy");
    assertTrue(acc > 0.6, "three classes, chance is 1/3; got " + acc);
    List<Csv.Row> fed = Csv.read(dir.resolve("federated.csv"));
    assertEquals(List.of(5L, 10L, 15L), fed.stream().map(r -> r.integer("round")).toList());
    for (Csv.Row r : fed) {
      assertEquals(5, r.integer("answered"));
      assertTrue(r.integer("samples") > 0 && r.num("accuracy") > 0.4, "clients' held-out accuracy " + r.num("accuracy"));
    }

    // The same config under FedAvg: the user's strategy, not FL's, moved the model.
    JsonNode fedavg = simulate("runs/fedavg", "examples/feddyn-plugin/feddyn.conf", "algorithm=fedavg");
    assertNotEquals(s.get("final_model_sha256").asText(), fedavg.get("final_model_sha256").asText());
  }

  @Test
  void theSamePluginRunsOnARealClusterAndEndsWithTheSimulatorsModel() throws Exception {
    String config = "examples/feddyn-plugin/feddyn-cluster.conf";
    run(copy, 600, "./starling", "node", "local", config, "--plugin", JAR, "--out", "runs/cluster");
    JsonNode server = new ObjectMapper().readTree(copy.resolve("runs/cluster/server-0/summary.json").toFile());
    assertEquals("completed", server.get("status").asText());
    JsonNode sim = simulate("runs/cluster-sim", config);
    assertEquals(sim.get("final_model_sha256").asText(), server.get("final_model_sha256").asText(),
        "FedDyn's server and client state give the same model on the cluster as in the simulator");
    assertEquals(Files.readString(copy.resolve("runs/cluster-sim/federated.csv")),
        Files.readString(copy.resolve("runs/cluster/server-0/federated.csv")));
  }
}
