package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starling.app.family.Families;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An algorithm family found on the class path by ServiceLoader ({@code plugin/SignSgdFamily},
 * registered in this module's test resources) runs through {@code starling simulate} like a
 * built-in one: its name is accepted, its default applies, and its own server step shapes the
 * model.
 */
class PluginFamilyTest {

  @TempDir Path dir;

  JsonNode run(String name, String algorithm) throws IOException {
    Path out = dir.resolve(name);
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(),
        "--quiet", "--set", "rounds=8", "--set", "algorithm=" + algorithm);
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
  }

  @Test
  void aFamilyOnTheClassPathRunsThroughTheCli() throws IOException {
    Families registry = Families.standard();
    assertTrue(registry.algorithms().contains("fedsign"), registry.algorithms().toString());
    assertEquals("fedsign", registry.of("fedsign").name());
    JsonNode sign = run("sign", "fedsign");
    JsonNode avg = run("avg", "fedavg");
    assertEquals("fedsign", sign.get("algorithm").asText());
    assertEquals(8, sign.get("rounds").asInt());
    assertNotEquals(avg.get("final_model_sha256").asText(), sign.get("final_model_sha256").asText());
    // 10 classes (chance 0.1); fedavg reaches about 0.22 in as many rounds
    assertTrue(sign.get("final_accuracy").asDouble() > 0.12, sign.toString());
    String conf = java.nio.file.Files.readString(dir.resolve("sign").resolve("config.conf"));
    assertTrue(conf.contains("learning-rate") && conf.contains("0.01"), "the plugin's default applies");
  }
}
