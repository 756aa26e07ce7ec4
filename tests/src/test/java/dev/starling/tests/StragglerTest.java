package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
    List<String> devices = Files.readAllLines(out.resolve("devices.csv"));
    for (String line : devices.subList(1, devices.size())) {
      String[] f = line.split(",");
      if (Boolean.parseBoolean(f[2])) {
        slow.add(Integer.parseInt(f[0]));
      }
    }
    assertEquals(30, slow.size(), "30% of 100 clients are stragglers");
    assertFalse(slow.contains(0), "the server is never a straggler");

    List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(rounds + 1, metrics.size(), "every round completed");
    List<String> parts = Files.readAllLines(out.resolve("participants.csv"));
    assertEquals(rounds + 1, parts.size());
    int slowInvited = 0;
    for (String line : parts.subList(1, parts.size())) {
      String[] f = line.split(",");
      Set<Integer> invited = ids(f[2]);
      Set<Integer> aggregated = ids(f[3]);
      assertTrue(invited.containsAll(aggregated));
      assertTrue(aggregated.size() >= 3, "at least min-clients aggregated: " + line);
      for (int id : aggregated) {
        assertFalse(slow.contains(id), "straggler " + id + " was aggregated in round " + f[0]);
      }
      for (int id : invited) {
        if (slow.contains(id)) {
          slowInvited++;
        }
      }
    }
    assertTrue(slowInvited > 10, "stragglers were invited (" + slowInvited + "), so the deadline was exercised");
    // Rounds close at the deadline when a straggler was invited: virtual time reflects it.
    String last = metrics.get(metrics.size() - 1);
    double vtime = Double.parseDouble(last.split(",")[1]);
    assertTrue(vtime >= 8 && vtime < rounds * 1.5, "virtual time " + vtime);
  }

  private static Set<Integer> ids(String quoted) {
    String s = quoted.replace("\"", "").strip();
    Set<Integer> out = new HashSet<>();
    if (!s.isEmpty()) {
      Arrays.stream(s.split(" ")).map(Integer::parseInt).forEach(out::add);
    }
    return out;
  }
}
