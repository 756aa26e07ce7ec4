package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FedBuff in the simulator: it learns, every metrics row is one server step with its staleness,
 * staleness grows with concurrency over buffer size, the same seed gives the same bytes, and
 * what it cannot run is one line.
 */
class FedBuffTest {

  @TempDir Path dir;

  private Cli.Result sim(String name, String... sets) {
    List<String> args = new ArrayList<>(List.of("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out",
        dir.resolve(name).toString(), "-q", "--set", "algorithm=fedbuff", "--set", "rounds=20"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void learnsStepByStepWithItsStalenessAndRepeatsItsBytes() throws Exception {
    assertEquals(0, sim("a", "fedbuff.concurrency=20", "fedbuff.buffer-size=5").exitCode());
    assertEquals(0, sim("b", "fedbuff.concurrency=20", "fedbuff.buffer-size=5").exitCode());
    assertArrayEquals(Files.readAllBytes(dir.resolve("a/metrics.csv")), Files.readAllBytes(dir.resolve("b/metrics.csv")));
    List<Csv.Row> rows = Csv.read(dir.resolve("a/metrics.csv"));
    assertEquals(20, rows.size());
    double maxStale = 0;
    for (Csv.Row r : rows) {
      assertTrue(r.num("staleness_max") >= r.num("staleness_mean"));
      assertTrue(r.integer("participants") <= 5);
      maxStale = Math.max(maxStale, r.num("staleness_mean"));
    }
    assertTrue(maxStale >= 1, "20 in flight, 5 per step: updates arrive steps late (" + maxStale + ")");
    assertTrue(rows.get(19).num("accuracy") > rows.get(0).num("accuracy") + 0.05, "it learns");
    var s = new ObjectMapper().readTree(dir.resolve("a/summary.json").toFile());
    assertEquals("fedbuff", s.get("algorithm").asText());

    assertEquals(0, sim("sync", "fedbuff.concurrency=5", "fedbuff.buffer-size=5", "fedbuff.staleness=constant").exitCode());
    double lowStale = Csv.read(dir.resolve("sync/metrics.csv")).stream().mapToDouble(r -> r.num("staleness_mean")).max()
        .orElseThrow();
    assertTrue(lowStale < maxStale, "fewer in flight, fresher updates: " + lowStale + " vs " + maxStale);
    // a synchronous run's metrics.csv has the columns, empty
    Cli.Result fedavg = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out",
        dir.resolve("fedavg").toString(), "-q", "--set", "rounds=1");
    assertEquals(0, fedavg.exitCode());
    assertEquals("", Csv.read(dir.resolve("fedavg/metrics.csv")).get(0).get("staleness_mean"));
  }

  @Test
  void whatItCannotRunIsOneLine() {
    Cli.Result dp = sim("dp", "privacy.mechanism=gaussian");
    assertEquals(2, dp.exitCode());
    assertTrue(dp.err().contains("config key 'privacy.mechanism'") && dp.err().contains("fedbuff"), dp.err());
    Cli.Result many = sim("many", "fedbuff.concurrency=1000");
    assertEquals(2, many.exitCode());
    assertTrue(many.err().contains("config key 'fedbuff.concurrency'"), many.err());
  }
}
