package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every column and field a run writes is defined in docs/reference/config.md: runs that write
 * every kind of output (private FL with federated evaluation, RQM under SecAgg, a decentralized
 * run with injected failures, a sweep), and each CSV header column and each summary.json key must
 * appear, as a word, in the reference row of its file.
 */
class OutputReferenceTest {

  @TempDir Path dir;

  private static String row(String doc, String file) {
    for (String line : doc.split("\n")) {
      if (line.startsWith("| `" + file + "`")) {
        return line;
      }
    }
    throw new AssertionError("docs/reference/config.md has no row for " + file);
  }

  private static void check(String doc, String file, List<String> names) {
    String row = row(doc, file);
    List<String> missing = new ArrayList<>();
    for (String n : names) {
      if (!Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(n) + "(?![A-Za-z0-9_])").matcher(row).find()) {
        missing.add(n);
      }
    }
    assertTrue(missing.isEmpty(), file + ": " + missing + " not defined in docs/reference/config.md");
  }

  private Path sim(String name, String config, String... sets) {
    List<String> args = new ArrayList<>(List.of("simulate", Cli.CONFIGS.resolve(config).toString(), "--out",
        dir.resolve(name).toString(), "-q"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    return dir.resolve(name);
  }

  @Test
  void everyWrittenColumnAndFieldIsInTheReference() throws Exception {
    String doc = Files.readString(Paths.get("..", "docs", "reference", "config.md"));
    List<Path> runs = List.of(
        sim("fl", "fl-synthetic.conf", "rounds=2", "privacy.mechanism=gaussian", "server.federated-eval.every=1"),
        sim("secagg", "fl-synthetic.conf", "rounds=2", "privacy.mechanism=rqm", "secagg.enabled=true",
            "server.min-clients=5"),
        sim("dl", "dpsgd-synthetic.conf", "rounds=2", "failures=[{kind=crash, fraction=0.1, at-round=1}]"));
    int files = 0;
    for (Path run : runs) {
      try (var list = Files.list(run)) {
        for (Path f : list.toList()) {
          String name = f.getFileName().toString();
          if (name.endsWith(".csv")) {
            check(doc, name, List.of(Files.readAllLines(f).get(0).split(",")));
            files++;
          }
        }
      }
      var summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
      List<String> keys = new ArrayList<>();
      for (Iterator<String> it = summary.fieldNames(); it.hasNext(); ) {
        keys.add(it.next());
      }
      check(doc, "summary.json", keys);
    }
    assertTrue(files >= 7, "metrics, participants, devices, federated, privacy-ledger, failures: " + files);
    Cli.Result sweep = Cli.run("sweep", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--seeds", "1-2", "--set",
        "rounds=2", "--out", dir.resolve("sweep").toString(), "-q");
    assertEquals(0, sweep.exitCode(), sweep.err());
    check(doc, "sweep.csv", List.of(Files.readAllLines(dir.resolve("sweep/sweep.csv")).get(0).split(",")));
    Cli.Result compare = Cli.run("compare", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(),
        Cli.CONFIGS.resolve("modest-synthetic.conf").toString(), "--set", "rounds=2", "--out", dir.resolve("cmp").toString(), "-q");
    assertEquals(0, compare.exitCode(), compare.err());
    check(doc, "comparison.csv", List.of(Files.readAllLines(dir.resolve("cmp/comparison.csv")).get(0).split(",")));
  }
}
