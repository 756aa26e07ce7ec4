package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code starling sweep}: every grid combination with every seed, one run each; the table's mean
 * and standard deviation are those of the runs' own summaries; a second call reuses every
 * finished run and runs again only the one left unfinished; bad specs are one line, exit 2.
 */
class SweepTest {

  @TempDir Path dir;

  private Cli.Result sweep() {
    return Cli.run("sweep", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--seeds", "1-3", "--grid",
        "server.clients-per-round=5,10", "--set", "rounds=3", "--out", dir.toString(), "-q");
  }

  @Test
  void runsEveryCombinationTabulatesItsSeedsAndReusesWhatFinished() throws Exception {
    Cli.Result first = sweep();
    assertEquals(0, first.exitCode(), first.err());
    assertTrue(first.out().contains("6 runs run, 0 reused"), first.out());
    List<Csv.Row> table = Csv.read(dir.resolve("sweep.csv"));
    assertEquals(2, table.size());
    for (Csv.Row row : table) {
      String combo = row.get("configuration");
      DescriptiveStatistics s = new DescriptiveStatistics();
      for (int seed = 1; seed <= 3; seed++) {
        Path run = dir.resolve(combo).resolve("seed-" + seed);
        var summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertEquals(seed, summary.get("seed").asLong());
        s.addValue(summary.get("final_accuracy").asDouble());
      }
      assertEquals(s.getMean(), row.num("final_accuracy_mean"), 1e-6, combo);
      assertEquals(s.getStandardDeviation(), row.num("final_accuracy_std"), 1e-6, combo);
      assertTrue(s.getStandardDeviation() > 0, "seeds differ");
    }
    assertTrue(Files.size(dir.resolve("sweep.png")) > 10_000);
    assertTrue(Files.readString(dir.resolve("sweep.md")).contains("± "));

    Path kept = dir.resolve("server.clients-per-round=5/seed-1/summary.json");
    FileTime before = Files.getLastModifiedTime(kept);
    Files.delete(dir.resolve("server.clients-per-round=10/seed-2/summary.json")); // as if killed midway
    Cli.Result second = sweep();
    assertEquals(0, second.exitCode(), second.err());
    assertTrue(second.out().contains("1 run run, 5 reused"), second.out());
    assertEquals(before, Files.getLastModifiedTime(kept));
    assertTrue(Files.exists(dir.resolve("server.clients-per-round=10/seed-2/summary.json")));
  }

  @Test
  void badSpecsAreOneLine() {
    Cli.Result seeds = Cli.run("sweep", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--seeds", "5-1", "--out",
        dir.toString());
    assertEquals(2, seeds.exitCode());
    assertTrue(seeds.err().contains("--seeds"), seeds.err());
    Cli.Result grid = Cli.run("sweep", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--grid", "rounds", "--out",
        dir.toString());
    assertEquals(2, grid.exitCode());
    assertTrue(grid.err().contains("--grid: 'rounds' is not KEY=V1,V2"), grid.err());
  }
}
