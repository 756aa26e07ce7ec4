package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets one line naming the key, value or file, and exit code 2. */
class CliContractTest {

  @TempDir Path dir;

  private static void assertOneLineUsageError(Cli.Result r, String... mustContain) {
    assertEquals(2, r.exitCode(), r.err());
    String err = r.err().strip();
    assertFalse(err.isEmpty());
    assertEquals(1, err.lines().count(), "exactly one line: " + err);
    for (String s : mustContain) {
      assertTrue(err.contains(s), "'" + err + "' should name " + s);
    }
  }

  private String config() {
    return Cli.CONFIGS.resolve("fl-synthetic.conf").toString();
  }

  @Test
  void missingConfigFile() {
    assertOneLineUsageError(Cli.run("simulate", "no/such/file.conf", "--quiet"), "no/such/file.conf");
  }

  @Test
  void unknownKey() throws IOException {
    Path p = dir.resolve("bad.conf");
    Files.writeString(p, "rounds = 2\nserver.clients-per-rund = 3\n");
    assertOneLineUsageError(Cli.run("simulate", p.toString(), "--quiet"), "server.clients-per-rund", "clients-per-round");
  }

  @Test
  void negativeClientCount() {
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--set", "clients.count=-3"), "clients.count", "-3", ">= 1");
  }

  @Test
  void nonNumericRounds() {
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--set", "rounds=abc"), "rounds", "abc", "integer");
  }

  @Test
  void unknownFlagAndBadFlagValue() {
    assertOneLineUsageError(Cli.run("simulate", config(), "--rounds", "3"), "--rounds");
    assertOneLineUsageError(Cli.run("simulate", config(), "--seed", "x1"), "--seed", "x1");
  }

  @Test
  void missingDatasetOfflineSaysHowToFetchIt() {
    Path empty = dir.resolve("no-data");
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--data-dir", empty.toString(),
        "--set", "data.dataset=mnist", "--set", "data.fetch=false"), "mnist", "starling data fetch mnist");
  }

  @Test
  void aMissingPluginAnUnknownModelTypeAndStateWithPrivacyAreUsageErrors() {
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--plugin", "no/such/plugin.jar"),
        "--plugin", "no/such/plugin.jar");
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--set", "model.type=resnet"),
        "model.type", "resnet", "logreg");
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--set", "algorithm=scaffold",
        "--set", "privacy.mechanism=gaussian"), "privacy.mechanism", "scaffold", "none");
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--set", "server.federated-eval.holdout=1.5"),
        "server.federated-eval.holdout", "1.5");
  }

  @Test
  void unavailableCommandsSaySoPlainly() {
    Cli.Result n = Cli.run("node");
    assertEquals(2, n.exitCode());
  }

  @Test
  void helpDocumentsEveryFlag() {
    Cli.Result r = Cli.run("simulate", "--help");
    assertEquals(0, r.exitCode());
    for (String flag : new String[] {"--set", "--out", "--seed", "--quiet", "--data-dir"}) {
      assertTrue(r.out().contains(flag), flag);
    }
  }

  @Test
  void existingRunIsNotOverwritten() throws IOException {
    Path out = dir.resolve("run");
    Files.createDirectories(out);
    Files.writeString(out.resolve("metrics.csv"), "keep me");
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--out", out.toString()), out.toString());
    assertEquals("keep me", Files.readString(out.resolve("metrics.csv")));
  }

  @Test
  void nodeCommandRejectsBadRolesIdsKeysAndValuesBeforeStarting() throws IOException {
    String fl = Cli.CONFIGS.resolve("cluster/fl.conf").toString();
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "peer", "--id", "1"), "--role peer", "server, client");
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "client", "--id", "9"), "--id 9", "1..3");
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "client"), "--id is required");
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--set", "cluster.max-message-bytes=-5"),
        "cluster.max-message-bytes", "-5");
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--seed-nodes", "localhost"),
        "--seed-nodes", "localhost");
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--keys", dir.resolve("none").toString(),
        "--out", dir.resolve("s").toString()), "node-0.p12", "node keys");
    assertOneLineUsageError(Cli.run("node", "local", "xyz"), "xyz", "fl", "modest", "diloco", ".conf file");
    assertOneLineUsageError(Cli.run("node", "keys", "--out", dir.resolve("k").toString(), "--nodes", "0"), "--nodes 0");
    // A server --out holding finished rounds and no checkpoint is refused, and left as it was.
    Path done = dir.resolve("done");
    Files.createDirectories(done);
    String rows = "round,virtual_time_s\n1,0.5\n";
    Files.writeString(done.resolve("metrics.csv"), rows);
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--out", done.toString(), "--set",
        "cluster.checkpoint=off"), "already holds a run");
    assertEquals(rows, Files.readString(done.resolve("metrics.csv")));
  }

  @Test
  void aDataSplitThatCannotBeMadeIsOneLineAndLeavesTheOutputReusable() throws IOException {
    Path out = dir.resolve("split");
    assertOneLineUsageError(Cli.run("simulate", config(), "--out", out.toString(), "--quiet", "--set", "rounds=1",
        "--set", "data.partition=shards", "--set", "data.shards-per-client=1000"), "data.partition", "shards", "100000");
    assertFalse(Files.exists(out), "a run that failed before its first round leaves nothing");
    Cli.Result ok = Cli.run("simulate", config(), "--out", out.toString(), "--quiet", "--set", "rounds=1");
    assertEquals(0, ok.exitCode(), ok.err());
    assertEquals(2, Files.readAllLines(out.resolve("metrics.csv")).size());
  }
}
