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
  void existingRunIsNotOverwrittenUnlessForced() throws IOException {
    Path out = dir.resolve("run");
    Files.createDirectories(out);
    Files.writeString(out.resolve("metrics.csv"), "keep me");
    Files.writeString(out.resolve("notes.txt"), "mine");
    assertOneLineUsageError(Cli.run("simulate", config(), "--quiet", "--out", out.toString()), out.toString(),
        "unfinished run", "--force");
    assertEquals("keep me", Files.readString(out.resolve("metrics.csv")));
    String[] small = {"simulate", config(), "--quiet", "--out", out.toString(), "--set", "rounds=1", "--set",
        "clients.count=10", "--set", "server.clients-per-round=3"};
    String[] forced = java.util.Arrays.copyOf(small, small.length + 1);
    forced[small.length] = "--force";
    assertEquals(0, Cli.run(forced).exitCode());
    assertEquals(2, Files.readAllLines(out.resolve("metrics.csv")).size(), "the earlier rows are gone");
    assertEquals("mine", Files.readString(out.resolve("notes.txt")), "files that are not the run's stay");
    assertOneLineUsageError(Cli.run(small), "finished run", "--force");
    // A run that failed before its first round leaves only the header; the same --out then just works.
    Path early = dir.resolve("early");
    Files.createDirectories(early);
    Files.writeString(early.resolve("metrics.csv"), dev.starling.app.report.MetricsRow.HEADER + "\n");
    small[4] = early.toString();
    assertEquals(0, Cli.run(small).exitCode());
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
    assertOneLineUsageError(Cli.run("node", "keys", "--out", dir.resolve("k").toString(), "--nodes", "2", "--san", "bogus"),
        "--san 'bogus'", "ip:ADDRESS or dns:NAME");
    assertFalse(Files.exists(dir.resolve("k")), "nothing half-written");
    // An address that does not resolve, and a port another process holds.
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--host", "no-such-host.invalid", "--set",
        "cluster.tls=off", "--out", dir.resolve("h").toString()), "--host 'no-such-host.invalid'");
    try (java.net.ServerSocket held = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--port",
          Integer.toString(held.getLocalPort()), "--set", "cluster.tls=off", "--out", dir.resolve("p").toString()),
          "--port " + held.getLocalPort(), "cannot be bound");
    }
    // `--keys keys` is a directory named like the subcommand, not the subcommand.
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--keys", "keys", "--out",
        dir.resolve("s").toString()), "keys/node-0.p12");
    // A store whose password file was swapped for another's: one line at start-up, naming the store.
    Path keys = dir.resolve("keys2");
    assertEquals(0, Cli.run("node", "keys", "--out", keys.toString(), "--nodes", "2").exitCode());
    Files.copy(keys.resolve("node-1.password"), keys.resolve("node-0.password"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--keys", keys.toString(), "--out",
        dir.resolve("s2").toString()), "node-0.p12 does not open with its password");
    // Node 1's keystore cannot be used to start node 0.
    Files.copy(keys.resolve("node-1.p12"), keys.resolve("node-0.p12"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertOneLineUsageError(Cli.run("node", "--config", fl, "--role", "server", "--keys", keys.toString(), "--out",
        dir.resolve("s3").toString()), "holds the certificate of node 1, not of node 0");
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

  @Test
  void valuesThatCouldNeverWorkAreOneLineBeforeAnythingRuns() throws IOException {
    String fl = config();
    String out = dir.resolve("never").toString();
    assertOneLineUsageError(Cli.run("simulate", fl, "-q", "--out", out, "--set", "server.clients-per-round=500"),
        "server.clients-per-round", "500", "1..");
    assertOneLineUsageError(Cli.run("simulate", fl, "-q", "--out", out, "--set", "server.min-clients=20"),
        "server.min-clients", "20", "no round could close");
    assertOneLineUsageError(Cli.run("simulate", fl, "-q", "--out", out, "--set", "server.aggregator=krum",
        "--set", "server.krum-byzantine=5"), "server.clients-per-round", "krum", "13");
    assertOneLineUsageError(Cli.run("simulate", fl, "-q", "--out", out, "--set", "server.aggregator=krum",
        "--set", "server.krum-byzantine=1"), "server.min-clients", "5");
    assertOneLineUsageError(Cli.run("simulate", fl, "-q", "--out", out, "--set", "server.aggregator=median",
        "--set", "privacy.mechanism=gaussian"), "server.aggregator", "median", "privacy.mechanism = gaussian");
    String modest = Cli.CONFIGS.resolve("modest-synthetic.conf").toString();
    assertOneLineUsageError(Cli.run("simulate", modest, "-q", "--out", out, "--set", "modest.sample-size=100000"),
        "modest.sample-size", "100000");
    // A missing include would silently drop every setting it held.
    Path cfg = dir.resolve("typo.conf");
    Files.writeString(cfg, "include \"fl-synthetik.conf\"\nrounds = 2\n");
    assertOneLineUsageError(Cli.run("simulate", cfg.toString(), "-q", "--out", out), "fl-synthetik.conf");
    // --out naming a file.
    Path file = dir.resolve("a-file");
    Files.writeString(file, "x");
    assertOneLineUsageError(Cli.run("simulate", fl, "-q", "--out", file.toString()), file.toString(), "not a directory");
    assertEquals("x", Files.readString(file));
    assertFalse(Files.exists(dir.resolve("never")), "nothing was started");
  }

  @Test
  void keysWithoutEffectAreNamedInAWarningLine() throws IOException {
    Cli.Result r = Cli.run("simulate", config(), "-q", "--out", dir.resolve("w").toString(), "--set", "rounds=1",
        "--set", "clients.count=10", "--set", "server.clients-per-round=3", "--set", "cluster.base-port=30000");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("warning: cluster.base-port has no effect under simulate"), r.err());
    Path dl = dir.resolve("diloco.conf");
    Files.writeString(dl, "include \"" + Cli.CONFIGS.resolve("cluster/diloco.conf").toAbsolutePath() + "\"\ndiloco.total-steps = 24\n");
    Cli.Result d = Cli.run("simulate", dl.toString(), "-q", "--out", dir.resolve("d").toString(), "--set", "rounds=7");
    assertEquals(0, d.exitCode(), d.err());
    assertTrue(d.err().contains("config key 'rounds' has no effect for algorithm diloco: its 2 outer rounds"), d.err());
    // Set only by an included file, it is not the user's doing: no warning.
    Cli.Result quiet = Cli.run("simulate", dl.toString(), "-q", "--out", dir.resolve("d2").toString());
    assertEquals(0, quiet.exitCode(), quiet.err());
    assertFalse(quiet.err().contains("'rounds'"), quiet.err());
  }

  @Test
  void runningOutOfHeapSaysHowToRaiseIt() throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(Members.java());
    cmd.set(cmd.indexOf("-Xmx768m"), "-Xmx192m");
    cmd.addAll(java.util.List.of("simulate", config(), "-q", "--out", dir.resolve("oom").toString(), "--set",
        "clients.count=10000000", "--set", "rounds=1"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), out);
    String err = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).collect(
        java.util.stream.Collectors.joining("\n"));
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("out of memory") && err.contains("-Xmx, now 192 MiB") && err.contains("STARLING_JAVA_OPTS"), err);
  }
}
