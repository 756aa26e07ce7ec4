package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulation spread over JVMs is the one-JVM run, bit for bit: {@code simulate --shards 4}
 * starts three shard JVMs that hold the clients whose id mod 4 is theirs, every message between
 * the coordinator's server and a shard's client crosses Artery, and metrics.csv, participants.csv,
 * failures.csv and the model hash equal the one-JVM run's, with lognormal latencies, losses,
 * stragglers and clients crashing mid-round; also with FedBuff and clients built up front, and
 * with shards started by hand on a fixed port (as on other machines); and MoDeST and D-PSGD
 * peers with churn, whose rounds reach the coordinator's metrics as notes. A shard killed mid-run
 * fails the run within seconds with one line naming it, keeping the rounds done.
 */
class ShardedSimulationTest {

  @TempDir Path dir;

  private static final List<String> HARD = List.of("rounds=5", "clients.count=60", "server.clients-per-round=12",
      "network.latency=lognormal", "network.loss=0.03", "devices.slow-fraction=0.2", "server.deadline-s=2",
      "failures=[{kind=crash, fraction=0.1, at-s=0.3}]");

  private Path run(String name, List<String> base, List<String> sets) {
    return Cli.simulateSynthetic(dir.resolve(name), base, sets.toArray(String[]::new));
  }

  private static List<String> plus(List<String> a, String... b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(List.of(b));
    return out;
  }

  private static JsonNode summary(Path run) throws IOException {
    return new ObjectMapper().readTree(run.resolve("summary.json").toFile());
  }

  private static void same(Path one, Path sharded, String... files) throws IOException {
    for (String f : files) {
      assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(sharded.resolve(f)), sharded + ": " + f);
    }
    assertEquals(summary(one).get("final_model_sha256").asText(), summary(sharded).get("final_model_sha256").asText());
    assertEquals(64, summary(one).get("final_model_sha256").asText().length());
  }

  @Test
  void fourShardsGiveTheBytesOfOneJvm() throws IOException {
    Path one = run("one", List.of(), HARD);
    Path four = run("four", List.of("--shards", "4"), HARD);
    same(one, four, "metrics.csv", "participants.csv", "failures.csv");
    assertTrue(Csv.read(one.resolve("metrics.csv")).size() == 5);
    assertEquals(1 + 6, Files.readAllLines(one.resolve("failures.csv")).size(), "a header and 10 % of 60 clients crashed");
    assertEquals(4, summary(four).get("shards").asInt());
    assertTrue(summary(one).get("shards") == null);
    for (int s = 1; s <= 3; s++) {
      String log = Files.readString(four.resolve("shard-" + s + ".log"));
      assertTrue(log.contains("shard " + s + " of 4 is up"), log);
    }
  }

  @Test
  void fedBuffAPluginFamilyAndClientsBuiltUpFront() throws IOException {
    List<String> fedbuff = plus(HARD.subList(0, 7), "algorithm=fedbuff", "fedbuff.buffer-size=4", "fedbuff.concurrency=8");
    same(run("fedbuff-one", List.of(), fedbuff), run("fedbuff-three", List.of("--shards", "3"), fedbuff),
        "metrics.csv", "participants.csv");
    // A plugin family (this module's test resources register it): the shards find it on the class path they inherit.
    List<String> plugin = plus(HARD.subList(0, 7), "algorithm=fedsign");
    same(run("plugin-one", List.of(), plugin), run("plugin-two", List.of("--shards", "2"), plugin),
        "metrics.csv", "participants.csv");
    List<String> eager = plus(HARD, "clients.on-demand=false");
    same(run("eager-one", List.of(), HARD), run("eager-two", List.of("--shards", "2"), eager),
        "metrics.csv", "participants.csv", "failures.csv");
  }

  /**
   * Serverless peers on shards: MoDeST's aggregations and D-PSGD's per-node models reach the
   * coordinator's metrics as notes, starts and graceful leaves reach peers as signals, with churn
   * from the availability generator and failures of every kind.
   */
  @Test
  void serverlessPeersWithChurn() throws IOException {
    List<String> modest = List.of("algorithm=modest", "rounds=8", "clients.count=40", "modest.sample-size=6",
        "network.latency=lognormal", "availability.generator=alternating", "availability.mean-online-s=3",
        "availability.mean-offline-s=1", "availability.offline=leave", "modest.aggregation-timeout-s=5");
    same(run("modest-one", List.of(), modest), run("modest-four", List.of("--shards", "4"), modest),
        "metrics.csv", "participants.csv", "failures.csv");
    List<String> dpsgd = List.of("algorithm=dpsgd", "rounds=6", "clients.count=24", "network.loss=0.02",
        "failures=[{kind=leave, fraction=0.2, at-round=2}, {kind=join, fraction=1.0, at-round=4}, {kind=crash, nodes=[5], at-s=0.5}]");
    same(run("dpsgd-one", List.of(), dpsgd), run("dpsgd-three", List.of("--shards", "3"), dpsgd),
        "metrics.csv", "participants.csv", "failures.csv");
    assertTrue(Files.readAllLines(dir.resolve("dpsgd-one").resolve("failures.csv")).size() > 4);
  }

  @Test
  void shardsStartedByHandOnAFixedPort() throws Exception {
    int port = Members.freeBasePort(1);
    List<String> external = plus(HARD, "simulation.shards=3", "simulation.shard-launch=external",
        "simulation.coordinator-port=" + port);
    try (Members m = new Members()) {
      CompletableFuture<Path> coordinator = CompletableFuture.supplyAsync(() -> run("external", List.of(), external));
      List<Process> shards = new ArrayList<>();
      for (int s = 1; s <= 2; s++) {
        shards.add(m.start(dir.resolve("shard-" + s + ".log"), "shard", "--join", "127.0.0.1:" + port, "--index",
            Integer.toString(s), "--count", "3"));
      }
      Path sharded = coordinator.get(180, TimeUnit.SECONDS);
      for (Process p : shards) {
        assertEquals(0, Members.await(p, 30), "a shard ends with its run");
      }
      same(run("one", List.of(), HARD), sharded, "metrics.csv", "participants.csv", "failures.csv");
    }
  }

  @Test
  void aKilledShardFailsTheRunWithOneLine() throws Exception {
    Path out = dir.resolve("killed");
    CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> Cli.run("simulate",
        Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(), "--quiet", "--shards", "3",
        "--set", "rounds=100000", "--set", "clients.count=60"));
    String log = Members.awaitLog(out.resolve("shard-2.log"), "is up", 120);
    java.util.regex.Matcher pid = java.util.regex.Pattern.compile("is up \\(pid (\\d+)\\)").matcher(log);
    assertTrue(pid.find(), log);
    long end = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < end && (!Files.exists(out.resolve("metrics.csv"))
        || Files.readAllLines(out.resolve("metrics.csv")).size() < 4)) {
      Thread.sleep(50);
    }
    ProcessHandle shard = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();
    assertTrue(ProcessHandle.current().children().anyMatch(shard::equals), "shard 2 is a child JVM of simulate");
    long killed = System.nanoTime();
    shard.destroyForcibly();
    Cli.Result r = run.get(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - killed) / 1e9;
    assertEquals(1, r.exitCode(), r.err());
    String failure = summary(out).get("failure").asText();
    assertTrue(failure.startsWith("shard 2 exited with code 137"), failure);
    assertEquals(1, failure.lines().count(), failure);
    assertTrue(seconds < 30, "the run noticed within " + seconds + " s");
    assertTrue(Csv.read(out.resolve("metrics.csv")).size() >= 3, "the rounds done are kept");
    assertEquals("failed", summary(out).get("status").asText());
  }

  @Test
  void badShardInputIsOneLine() {
    Cli.Result diloco = Cli.run("simulate", Cli.CONFIGS.resolve("diloco-mnist.conf").toString(), "--shards", "2",
        "--out", dir.resolve("d").toString());
    assertEquals(2, diloco.exitCode());
    assertTrue(diloco.err().strip().startsWith("starling: simulation.shards = 2: algorithm diloco"), diloco.err());
    assertEquals(1, diloco.err().strip().lines().count(), diloco.err());
    String[][] cases = {
        {"--shards 0", "simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--shards", "0"},
        {"--index 0", "shard", "--join", "127.0.0.1:4000", "--index", "0", "--count", "4"},
        {"--index 4", "shard", "--join", "127.0.0.1:4000", "--index", "4", "--count", "4"},
        {"--count 1", "shard", "--join", "127.0.0.1:4000", "--index", "1", "--count", "1"},
        {"--join nohost", "shard", "--join", "nohost", "--index", "1", "--count", "4"},
        {"--join h:70000", "shard", "--join", "h:70000", "--index", "1", "--count", "4"},
        {"simulation.coordinator-port = 0", "simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--set",
            "simulation.shards=2", "--set", "simulation.shard-launch=external"},
        {"simulation.shard-launch", "simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--set",
            "simulation.shard-launch=ray"},
        {"simulation.coordinator-host 'nohost.invalid' does not resolve", "simulate",
            Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", dir.resolve("h").toString(), "--shards", "2",
            "--set", "simulation.coordinator-host=nohost.invalid"},
        {"--host 'nohost.invalid' does not resolve", "shard", "--join", "127.0.0.1:4000", "--index", "1", "--count", "2",
            "--host", "nohost.invalid"}};
    for (String[] c : cases) {
      Cli.Result r = Cli.run(java.util.Arrays.copyOfRange(c, 1, c.length));
      assertEquals(2, r.exitCode(), c[0] + ": " + r.err());
      assertTrue(r.err().contains(c[0]), c[0] + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), c[0] + ": " + r.err());
    }
  }
}
