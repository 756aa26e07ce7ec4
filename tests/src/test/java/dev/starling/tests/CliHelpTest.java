package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a new user meets it: examples in every help, help of nested commands, the config that would run. */
class CliHelpTest {

  @TempDir Path dir;

  @Test
  void everyCommandsHelpHasExamples() {
    String[][] commands = {{"simulate"}, {"compare"}, {"sweep"}, {"privacy"}, {"privacy", "gaussian"}, {"privacy", "rqm"},
        {"node"}, {"node", "local"}, {"node", "keys"}, {"data", "fetch"}};
    for (String[] c : commands) {
      String[] args = java.util.Arrays.copyOf(c, c.length + 1);
      args[c.length] = "--help";
      Cli.Result r = Cli.run(args);
      assertEquals(0, r.exitCode(), String.join(" ", c));
      assertTrue(r.out().contains("Examples:\n  ./starling " + String.join(" ", c).split(" ")[0]), String.join(" ", c) + ":\n" + r.out());
    }
  }

  @Test
  void helpWalksNestedCommands() {
    Cli.Result r = Cli.run("help", "node", "local");
    assertEquals(0, r.exitCode());
    assertTrue(r.out().startsWith("Usage: starling node local"), r.out());
    Cli.Result bad = Cli.run("help", "node", "nope");
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("'node nope' is not a command"), bad.err());
  }

  @Test
  void printConfigShowsTheResolvedConfigAndRunsNothing() {
    Path out = dir.resolve("never");
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--set", "rounds=7", "--out",
        out.toString(), "--print-config");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("rounds=7"), r.out());
    assertTrue(r.out().contains("clients-per-round=10"), "defaults and the file's values are resolved");
    assertFalse(Files.exists(out));
  }

  @Test
  void aQuietRunStillSaysWhereItsResultsAre() {
    Path out = dir.resolve("q");
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--set", "rounds=1", "--out",
        out.toString(), "-q");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("results: " + out + "\n", r.out());
  }
}
