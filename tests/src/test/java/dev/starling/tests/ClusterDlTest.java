package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MoDeST and DiLoCo on real clusters of separate JVMs on 127.0.0.1 over Artery TLS; a MoDeST
 * peer killed with kill -9 comes back from its checkpoint file, under the same contract as a
 * simulated restart; the survivors of a killed DiLoCo replica finish without it, and those of a
 * killed reducer stop with one line within a bounded time.
 */
class ClusterDlTest {

  @TempDir Path dir;

  /**
   * Enough rounds (about 0.6 s each here once the cluster has formed) that the others are still
   * at it when the killed peer is back: its JVM start, TLS handshakes, and the Split Brain
   * Resolver downing its old incarnation before the new one may join take about 20 s.
   */
  static final int ROUNDS = 150;
  static final String EPOCHS = "training.epochs=100";

  @Test
  void aPeerKilledMidRunRestartsFromItsCheckpointAndTheRunCompletes() throws Exception {
    killAndRestartPeer4("aggregated round 2 ", "resuming from its checkpoint: start 2");
  }

  /**
   * The same for the serverless baselines: a D-PSGD, Epidemic Learning or gossip peer killed
   * mid-run comes back from its saved model and round (or ticks), catches up with the others, and
   * the run completes on every peer.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"dpsgd", "epidemic", "gossip"})
  void aBaselinePeerKilledMidRunRestartsFromItsCheckpoint(String algorithm) throws Exception {
    killAndRestartPeer4("round 20 done", "resuming from its checkpoint: start 2", "--set", "algorithm=" + algorithm,
        "--set", "dl.topology=ring", "--set", "dl.fanout=2", "--set", "dl.round-deadline-s=2",
        "--set", "dl.gossip-period-s=0.3");
  }

  private void killAndRestartPeer4(String progress, String resumed, String... extra) throws Exception {
    int base = Members.freeBasePort(5);
    Path keys = dir.resolve("keys");
    assertEquals(0, Cli.run("node", "keys", "--out", keys.toString(), "--nodes", "5").exitCode());
    List<Process> peers = new ArrayList<>();
    try (Members m = new Members()) {
      for (int p = 0; p < 5; p++) {
        peers.add(m.start(dir.resolve("peer-" + p + ".log"), peerArgs(p, keys, base, extra)));
      }
      // As soon as any peer logs the progress line: kill -9 peer 4 then.
      long end = System.nanoTime() + 180_000_000_000L;
      boolean seen = false;
      while (!seen && System.nanoTime() < end) {
        for (int p = 0; p < 5 && !seen; p++) {
          Path log = dir.resolve("peer-" + p + ".log");
          seen = Files.exists(log) && Files.readString(log).contains(progress);
        }
        Thread.sleep(50);
      }
      assertTrue(seen, "no peer logged '" + progress + "'");
      peers.get(4).destroyForcibly();
      assertEquals(137, Members.await(peers.get(4), 30), "killed");
      Path saved = dir.resolve("peer-4/checkpoint/node-4.pb");
      assertTrue(Files.isRegularFile(saved), "peer 4 saved its state before the kill");
      // The same member again: it continues from what it saved, as a restarted simulated peer does.
      Path log4 = dir.resolve("peer-4-restarted.log");
      peers.set(4, m.start(log4, peerArgs(4, keys, base, extra)));
      Members.awaitLog(log4, resumed, 120);
      for (int p = 0; p < 5; p++) {
        Path log = p == 4 ? log4 : dir.resolve("peer-" + p + ".log");
        int code;
        try {
          code = Members.await(peers.get(p), 240);
        } catch (AssertionError e) {
          throw new AssertionError("peer " + p + ": " + e.getMessage() + "\n" + Files.readString(log), e);
        }
        assertEquals(0, code, "peer " + p + ":\n" + Files.readString(log));
      }
    }
    int finals = 0;
    for (int p = 0; p < 5; p++) { // peer 4 too: restarted, it took part to the end
      JsonNode s = ClusterFlTest.json(dir.resolve("peer-" + p + "/summary.json"));
      assertEquals("completed", s.get("status").asText());
      assertTrue(s.get("rounds").asInt() >= ROUNDS);
      if (s.has("final_accuracy")) {
        finals++;
        assertTrue(s.get("final_accuracy").asDouble() > 0.4, s.toString());
        assertEquals(64, s.get("final_model_sha256").asText().length());
      }
    }
    assertTrue(finals >= 1, "some live peer aggregated the final round");
  }

  private String[] peerArgs(int p, Path keys, int base, String... extra) {
    List<String> args = new ArrayList<>(List.of("node", "--config", Cli.CONFIGS.resolve("cluster/modest.conf").toString(),
        "--role", "peer", "--id", Integer.toString(p), "--out", dir.resolve("peer-" + p).toString(), "--keys",
        keys.toString(), "--set", "cluster.base-port=" + base, "--set", "rounds=" + ROUNDS, "--set", EPOCHS));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /** Long enough (1,000 outer rounds of a few ms) that the kill lands mid-run; a short sync timeout. */
  static final String[] DILOCO_LONG = {"--set", "diloco.total-steps=12000", "--set", "diloco.sync-timeout-s=3",
      "--set", "server.eval-every=100"};

  private List<Process> dilocoReplicas(Members m, Path keys, int base) throws Exception {
    assertEquals(0, Cli.run("node", "keys", "--out", keys.toString(), "--nodes", "3").exitCode());
    List<Process> replicas = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      List<String> args = new ArrayList<>(List.of("node", "--config", Cli.CONFIGS.resolve("cluster/diloco.conf").toString(),
          "--role", "replica", "--id", Integer.toString(r), "--out", dir.resolve("replica-" + r).toString(), "--keys",
          keys.toString(), "--set", "cluster.base-port=" + base));
      args.addAll(List.of(DILOCO_LONG));
      replicas.add(m.start(dir.resolve("replica-" + r + ".log"), args.toArray(String[]::new)));
    }
    Members.awaitLog(dir.resolve("replica-0.log"), "outer round 1 done", 120);
    return replicas;
  }

  @Test
  void theSurvivorsOfAKilledDilocoReplicaFinishWithoutIt() throws Exception {
    try (Members m = new Members()) {
      List<Process> replicas = dilocoReplicas(m, dir.resolve("keys"), Members.freeBasePort(3));
      replicas.get(2).destroyForcibly();
      assertEquals(137, Members.await(replicas.get(2), 30), "killed");
      for (int r = 0; r < 2; r++) {
        Path log = dir.resolve("replica-" + r + ".log");
        int code;
        try {
          code = Members.await(replicas.get(r), 240);
        } catch (AssertionError e) {
          throw new AssertionError("replica " + r + ": " + e.getMessage() + "\n" + Files.readString(log), e);
        }
        assertEquals(0, code, "replica " + r + ":\n" + Files.readString(log));
      }
      String host = Files.readString(dir.resolve("replica-0.log"));
      assertTrue(host.contains("no gradient from replica(s) [2]"), host);
    }
    JsonNode host = ClusterFlTest.json(dir.resolve("replica-0/summary.json"));
    assertEquals("completed", host.get("status").asText());
    assertEquals(1000, host.get("final_round").asInt());
    assertEquals(64, host.get("final_model_sha256").asText().length());
    assertEquals("completed", ClusterFlTest.json(dir.resolve("replica-1/summary.json")).get("status").asText());
  }

  @Test
  void theReplicasOfAKilledReducerStopWithOneLineWithinBoundedTime() throws Exception {
    try (Members m = new Members()) {
      List<Process> replicas = dilocoReplicas(m, dir.resolve("keys"), Members.freeBasePort(3));
      replicas.get(0).destroyForcibly(); // replica 0's JVM hosts the reducer
      assertEquals(137, Members.await(replicas.get(0), 30), "killed");
      long t0 = System.nanoTime();
      for (int r = 1; r < 3; r++) {
        int code = Members.await(replicas.get(r), 120);
        String log = Files.readString(dir.resolve("replica-" + r + ".log"));
        assertEquals(1, code, log);
        JsonNode s = ClusterFlTest.json(dir.resolve("replica-" + r + "/summary.json"));
        assertEquals("failed", s.get("status").asText());
        assertTrue(s.get("reason").asText().contains("got no average for fragment 0 sync"), s.toString());
        assertTrue(s.get("reason").asText().contains("the reducer is gone or stalled"), s.toString());
      }
      // 3 x the 3 s timeout after the last average, not cluster.run-timeout-s (an hour).
      assertTrue(System.nanoTime() - t0 < 60_000_000_000L, "the survivors stopped within a minute");
    }
  }

  @Test
  void localDilocoClusterEndsWithTheSimulatorsModel() throws Exception {
    Path out = dir.resolve("cluster");
    Cli.Result r = Cli.run("node", "local", "diloco", "--out", out.toString(), "--set",
        "cluster.base-port=" + Members.freeBasePort(3));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode host = ClusterFlTest.json(out.resolve("replica-0/summary.json"));
    assertEquals("completed", host.get("status").asText());
    assertEquals(5, host.get("final_round").asInt());
    for (int i = 1; i < 3; i++) {
      assertEquals("completed", ClusterFlTest.json(out.resolve("replica-" + i + "/summary.json")).get("status").asText());
    }
    Path sim = dir.resolve("sim");
    Cli.Result s = Cli.run("simulate", Cli.CONFIGS.resolve("cluster/diloco.conf").toString(), "--out", sim.toString(), "-q");
    assertEquals(0, s.exitCode(), s.err());
    // Replicas apply each average at a fixed inner step, so wall-clock timing cannot change the result.
    assertEquals(ClusterFlTest.json(sim.resolve("summary.json")).get("final_model_sha256").asText(),
        host.get("final_model_sha256").asText());
  }
}
