package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code starling compare}: one plot and one table over several runs, reusable runs, usage errors. */
class CompareTest {

  @TempDir Path dir;

  @Test
  void comparesFlModestAndDpsgdOnTheSameSplit() throws IOException {
    Path out = dir.resolve("cmp");
    String[] args = {"compare", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(),
        Cli.CONFIGS.resolve("modest-synthetic.conf").toString(), Cli.CONFIGS.resolve("dpsgd-synthetic.conf").toString(),
        "--out", out.toString(), "--set", "rounds=5", "--quiet"};
    Cli.Result r = Cli.run(args);
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.size(out.resolve("comparison.png")) > 0);
    List<String> csv = Files.readAllLines(out.resolve("comparison.csv"));
    assertEquals(4, csv.size(), String.join("\n", csv));
    assertTrue(csv.get(1).startsWith("fl-synthetic,fedavg,"));
    assertTrue(csv.get(2).startsWith("modest-synthetic,modest,"));
    assertTrue(csv.get(3).startsWith("dpsgd-synthetic,dpsgd,"));
    // the default target is the lowest final accuracy, which every run therefore reached
    for (Csv.Row f : Csv.read(out.resolve("comparison.csv"))) {
      assertTrue(!f.empty("round_to_target") && f.integer("bytes_to_target") <= f.integer("bytes_total"), f.toString());
    }
    byte[] before = Files.readAllBytes(out.resolve("modest-synthetic").resolve("metrics.csv"));
    // a second compare without --reuse refuses to overwrite; with --reuse it re-plots the same runs
    assertEquals(2, Cli.run(args).exitCode());
    String[] reuse = java.util.Arrays.copyOf(args, args.length + 2);
    reuse[args.length] = "--reuse";
    reuse[args.length + 1] = "--target=0.99";
    Cli.Result again = Cli.run(reuse);
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.out().contains("not reached") || Files.readString(out.resolve("comparison.md")).contains("not reached"));
    assertEquals(new String(before), Files.readString(out.resolve("modest-synthetic").resolve("metrics.csv")));
    // A reused run whose metrics.csv lost rows is refused, not compared with wrong numbers.
    Path m = out.resolve("modest-synthetic").resolve("metrics.csv");
    java.util.List<String> lines = Files.readAllLines(m);
    Files.write(m, lines.subList(0, lines.size() / 2));
    Cli.Result damaged = Cli.run(reuse);
    assertEquals(2, damaged.exitCode(), damaged.err());
    assertTrue(damaged.err().contains("is damaged: metrics.csv has " + (lines.size() / 2 - 1) + " rounds"), damaged.err());
  }

  @Test
  void needsTwoConfigsAndAValidTarget() {
    assertEquals(2, Cli.run("compare", Cli.CONFIGS.resolve("fl-synthetic.conf").toString()).exitCode());
    Cli.Result r = Cli.run("compare", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(),
        Cli.CONFIGS.resolve("modest-synthetic.conf").toString(), "--target", "97");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--target") && r.err().contains("0..1"), r.err());
  }

  /** One config against itself under other settings: each spec carries its own overrides after '::'. */
  @Test
  void comparesOneConfigWithItselfUnderOtherSettings() throws IOException {
    Path out = dir.resolve("self");
    String c = Cli.CONFIGS.resolve("fl-synthetic.conf").toString();
    Cli.Result r = Cli.run("compare", c + "::server.clients-per-round=5", c + "::server.clients-per-round=20,rounds=3",
        "--set", "rounds=2", "--out", out.toString(), "-q");
    assertEquals(0, r.exitCode(), r.err());
    List<Csv.Row> rows = Csv.read(out.resolve("comparison.csv"));
    assertEquals(2, rows.size());
    assertEquals("fl-synthetic[server.clients-per-round=5]", rows.get(0).get("run"));
    assertEquals(2, rows.get(0).integer("rounds"));
    assertEquals(3, rows.get(1).integer("rounds"), "a spec's own overrides win over --set");
    assertEquals(20, Csv.read(out.resolve("fl-synthetic[server.clients-per-round=20,rounds=3]/metrics.csv")).get(0)
        .integer("invited"));
    Cli.Result bad = Cli.run("compare", c + "::rounds", c, "--out", dir.resolve("bad").toString());
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("is not KEY=VALUE"), bad.err());
  }
}
