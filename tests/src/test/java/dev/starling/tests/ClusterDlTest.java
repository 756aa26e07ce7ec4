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
   * The same for the serverless baselines: a D-PSGD or gossip peer killed
   * mid-run comes back from its saved model and round (or ticks), catches up with the others, and
   * the run completes on every peer.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"dpsgd", "gossip"}) // Epidemic Learning runs the same SyncRoundPeer as D-PSGD
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
        exitsZero(peers.get(p), p == 4 ? log4 : dir.resolve("peer-" + p + ".log"), "peer " + p);
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

  /** {@code p} exits 0 within 240 s; otherwise the failure shows its log. */
  private static void exitsZero(Process p, Path log, String who) throws Exception {
    int code;
    try {
      code = Members.await(p, 240);
    } catch (AssertionError e) {
      throw new AssertionError(who + ": " + e.getMessage() + "\n" + Files.readString(log), e);
    }
    assertEquals(0, code, who + ":\n" + Files.readString(log));
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

  private List<Process> dilocoReplicas(Members m, Path keys, int base, String... extra) throws Exception {
    assertEquals(0, Cli.run("node", "keys", "--out", keys.toString(), "--nodes", "3").exitCode());
    List<Process> replicas = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      replicas.add(m.start(dir.resolve("replica-" + r + ".log"), dilocoArgs(r, keys, base, extra)));
    }
    Members.awaitLog(dir.resolve("replica-0.log"), "outer round 1 done", 120);
    return replicas;
  }

  private String[] dilocoArgs(int r, Path keys, int base, String... extra) {
    List<String> args = new ArrayList<>(List.of("node", "--config", Cli.CONFIGS.resolve("cluster/diloco.conf").toString(),
        "--role", "replica", "--id", Integer.toString(r), "--out", dir.resolve("replica-" + r).toString(), "--keys",
        keys.toString(), "--set", "cluster.base-port=" + base));
    args.addAll(List.of(DILOCO_LONG));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /** Every replica exits 0 and the reducer's host completes all 1,000 outer rounds. */
  private void allCompleted(List<Process> replicas, String... logs) throws Exception {
    for (int r = 0; r < 3; r++) {
      exitsZero(replicas.get(r), dir.resolve(logs[r]), "replica " + r);
    }
    JsonNode host = ClusterFlTest.json(dir.resolve("replica-0/summary.json"));
    assertEquals("completed", host.get("status").asText(), host.toString());
    assertEquals(1000, host.get("final_round").asInt());
    for (int r = 1; r < 3; r++) {
      assertEquals("completed", ClusterFlTest.json(dir.resolve("replica-" + r + "/summary.json")).get("status").asText());
    }
  }

  @Test
  void aKilledDilocoReplicaRestartsAndRejoinsAtTheReducersState() throws Exception {
    Path keys = dir.resolve("keys");
    int base = Members.freeBasePort(3);
    // The reducer's answer reaches the new incarnation only once the Split Brain Resolver has
    // downed the old one; under load that took longer than the rejoin's 4 x 3 s (a CI run failed
    // so), so the sync timeout is 10 s here, as for the reducer-host kill below.
    String[] timeout = {"--set", "diloco.sync-timeout-s=10"};
    try (Members m = new Members()) {
      List<Process> replicas = dilocoReplicas(m, keys, base, timeout);
      replicas.get(2).destroyForcibly();
      assertEquals(137, Members.await(replicas.get(2), 30), "killed");
      assertTrue(Files.isRegularFile(dir.resolve("replica-2/checkpoint/node-2.pb")), "it saved that it started");
      replicas.set(2, m.start(dir.resolve("replica-2-restarted.log"), dilocoArgs(2, keys, base, timeout)));
      String log = Members.awaitLog(dir.resolve("replica-2-restarted.log"), "rejoining at the reducer's outer state", 120);
      assertTrue(log.contains("restarted (start 2)"), log);
      allCompleted(replicas, "replica-0.log", "replica-1.log", "replica-2-restarted.log");
      String rejoined = Files.readString(dir.resolve("replica-2-restarted.log"));
      assertTrue(rejoined.contains("replica 2 rejoins at step "), rejoined);
    }
  }

  @Test
  void aKilledReducerHostRestartsFromTheReducersCheckpointAndTheRunCompletes() throws Exception {
    Path keys = dir.resolve("keys");
    int base = Members.freeBasePort(3);
    // Replicas send their gradient again after 2 x 10 s and give up after 4 x 10 s: time for
    // the host's JVM to start again and the Split Brain Resolver to down its old incarnation.
    String[] timeout = {"--set", "diloco.sync-timeout-s=10"};
    try (Members m = new Members()) {
      List<Process> replicas = dilocoReplicas(m, keys, base, timeout);
      replicas.get(0).destroyForcibly(); // the reducer dies with replica 0's JVM
      assertEquals(137, Members.await(replicas.get(0), 30), "killed");
      assertTrue(Files.isRegularFile(dir.resolve("replica-0/checkpoint/node-3.pb")), "the reducer saved its state");
      replicas.set(0, m.start(dir.resolve("replica-0-restarted.log"), dilocoArgs(0, keys, base, timeout)));
      String log = Members.awaitLog(dir.resolve("replica-0-restarted.log"), "reducer resuming from its checkpoint", 120);
      var done = java.util.regex.Pattern.compile("round (\\d+)").matcher(log.substring(log.indexOf("reducer resuming")));
      assertTrue(done.find() && Integer.parseInt(done.group(1)) >= 1, log);
      allCompleted(replicas, "replica-0-restarted.log", "replica-1.log", "replica-2.log");
      String host = Files.readString(dir.resolve("replica-0-restarted.log"));
      assertTrue(host.contains("replica 0 rejoins at step "), host);
    }
  }

  @Test
  void theSurvivorsOfAKilledDilocoReplicaFinishWithoutIt() throws Exception {
    try (Members m = new Members()) {
      List<Process> replicas = dilocoReplicas(m, dir.resolve("keys"), Members.freeBasePort(3));
      replicas.get(2).destroyForcibly();
      assertEquals(137, Members.await(replicas.get(2), 30), "killed");
      for (int r = 0; r < 2; r++) {
        exitsZero(replicas.get(r), dir.resolve("replica-" + r + ".log"), "replica " + r);
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
