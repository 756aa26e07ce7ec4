package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FedAvg where 30% of clients are far too slow for the round deadline: every round still
 * completes, and no slow client's update is ever aggregated.
 */
class StragglerTest {

  @TempDir Path dir;

  @Test
  void roundsCompleteWithoutTheStragglers() throws IOException {
    Path out = dir.resolve("run");
    int rounds = 12;
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(),
        "--quiet", "--set", "rounds=" + rounds, "--set", "devices.slow-fraction=0.3",
        "--set", "devices.slow-factor=1000000", "--set", "server.deadline-s=1", "--set", "server.min-clients=3");
    assertEquals(0, r.exitCode(), r.err());

    Set<Integer> slow = new HashSet<>();
    for (Csv.Row d : Csv.read(out.resolve("devices.csv"))) {
      if (Boolean.parseBoolean(d.get("slow"))) {
        slow.add((int) d.integer("node"));
      }
    }
    assertEquals(30, slow.size(), "30% of 100 clients are stragglers");
    assertFalse(slow.contains(0), "the server is never a straggler");

    List<Csv.Row> metrics = Csv.read(out.resolve("metrics.csv"));
    assertEquals(rounds, metrics.size(), "every round completed");
    List<Csv.Row> parts = Csv.read(out.resolve("participants.csv"));
    assertEquals(rounds, parts.size());
    int slowInvited = 0;
    for (Csv.Row f : parts) {
      Set<Integer> invited = f.ids("invited");
      Set<Integer> aggregated = f.ids("aggregated");
      assertTrue(invited.containsAll(aggregated));
      assertTrue(aggregated.size() >= 3, "at least min-clients aggregated: " + f);
      for (int id : aggregated) {
        assertFalse(slow.contains(id), "straggler " + id + " was aggregated in round " + f.get("round"));
      }
      for (int id : invited) {
        if (slow.contains(id)) {
          slowInvited++;
        }
      }
    }
    assertTrue(slowInvited > 10, "stragglers were invited (" + slowInvited + "), so the deadline was exercised");
    // Rounds close at the deadline when a straggler was invited: virtual time reflects it.
    double vtime = metrics.get(metrics.size() - 1).num("virtual_time_s");
    assertTrue(vtime >= 8 && vtime < rounds * 1.5, "virtual time " + vtime);
  }
}
