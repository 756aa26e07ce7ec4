package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Same config and seed: byte-identical metrics.csv and final model; another seed: different. */
class DeterminismTest {

  @TempDir Path dir;

  private Path run(String name, String seed) {
    Path out = dir.resolve(name);
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(),
        "--seed", seed, "--quiet", "--set", "rounds=8", "--set", "server.over-selection=0.3",
        "--set", "network.latency=lognormal", "--set", "devices.slow-fraction=0.2",
        "--set", "server.deadline-s=0.5");
    assertEquals(0, r.exitCode(), r.err());
    return out;
  }

  private static JsonNode summary(Path run) throws IOException {
    return new ObjectMapper().readTree(run.resolve("summary.json").toFile());
  }

  @Test
  void sameSeedIsByteIdenticalAndAnotherSeedDiffers() throws IOException {
    Path a = run("a", "11");
    Path b = run("b", "11");
    Path c = run("c", "12");
    byte[] ma = Files.readAllBytes(a.resolve("metrics.csv"));
    assertArrayEquals(ma, Files.readAllBytes(b.resolve("metrics.csv")));
    assertEquals(9, Files.readAllLines(a.resolve("metrics.csv")).size()); // header + 8 rounds
    String ha = summary(a).get("final_model_sha256").asText();
    assertEquals(64, ha.length());
    assertEquals(ha, summary(b).get("final_model_sha256").asText());
    assertEquals(summary(a).get("config_sha256").asText(), summary(b).get("config_sha256").asText());
    assertFalse(java.util.Arrays.equals(ma, Files.readAllBytes(c.resolve("metrics.csv"))));
    assertNotEquals(ha, summary(c).get("final_model_sha256").asText());
    for (String f : new String[] {"config.conf", "accuracy.png", "participants.csv", "devices.csv"}) {
      assertEquals(true, Files.size(a.resolve(f)) > 0, f);
    }
  }
}
