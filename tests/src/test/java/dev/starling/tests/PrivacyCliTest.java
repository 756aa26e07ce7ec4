package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The privacy command as a privacy engineer uses it. */
class PrivacyCliTest {

  private static JsonNode json(String... args) throws IOException {
    Cli.Result r = Cli.run(args);
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(r.out());
  }

  private static void usageError(String mustContain, String... args) {
    Cli.Result r = Cli.run(args);
    assertEquals(2, r.exitCode(), r.out() + r.err());
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains(mustContain), "'" + err + "' should name " + mustContain);
  }

  @Test
  void gaussianReferenceValuesWithBothAccountants() throws IOException {
    JsonNode rdp = json("privacy", "gaussian", "--noise-multiplier", "1.0", "--sampling-rate", "0.01", "--steps", "1000",
        "--delta", "1e-5", "--json");
    assertEquals("rdp", rdp.get("accountant").asText());
    assertEquals("gaussian", rdp.get("mechanism").asText());
    assertTrue(rdp.get("epsilon").asDouble() <= 2.101, rdp.toString());
    assertTrue(rdp.get("order").asDouble() > 1);
    JsonNode pld = json("privacy", "gaussian", "--noise-multiplier", "1.0", "--sampling-rate", "0.01", "--steps", "1000",
        "--delta", "1e-5", "--accountant", "pld", "--json");
    assertEquals(1.828, pld.get("epsilon").asDouble(), 0.01 * 1.828);
    assertEquals(1e-5, pld.get("delta").asDouble(), 0);
  }

  /**
   * Far above ln(Double.MAX_VALUE) = 709.78, where the PLD accountant used to stop: the
   * subsampled Gaussian (truth about 782.3, PRV bounds [781.3, 783.3]) and RQM over 1,000 rounds
   * (truth in [885.25, 885.29]).
   */
  @Test
  void pldEpsilonHasNoCeilingAtLargeEpsilon() throws IOException {
    JsonNode g = json("privacy", "gaussian", "--noise-multiplier", "0.5", "--sampling-rate", "0.1", "--steps", "10000",
        "--delta", "1e-5", "--accountant", "pld", "--json");
    double eg = g.get("epsilon").asDouble();
    assertTrue(eg >= 781.3 && eg <= 791, g.toString());
    JsonNode r = json("privacy", "rqm", "--levels", "8", "--keep-prob", "0.9", "--range-ratio", "10", "--coordinates", "1",
        "--rounds", "1000", "--delta", "1e-5", "--accountant", "pld", "--json");
    double er = r.get("epsilon").asDouble();
    assertTrue(er >= 885.25 && er <= 890, r.toString());
  }

  @Test
  void calibrationMeetsTheTargetJustBarely() throws IOException {
    JsonNode cal = json("privacy", "gaussian", "--target-epsilon", "1", "--sampling-rate", "0.01", "--steps", "1000",
        "--delta", "1e-5", "--json");
    double sigma = cal.get("noise_multiplier").asDouble();
    assertTrue(cal.get("epsilon").asDouble() <= 1.0);
    JsonNode less = json("privacy", "gaussian", "--noise-multiplier", String.valueOf(sigma * 0.99), "--sampling-rate",
        "0.01", "--steps", "1000", "--delta", "1e-5", "--json");
    assertTrue(less.get("epsilon").asDouble() > 1.0, "1% less noise must miss the target");
    JsonNode keep = json("privacy", "rqm", "--levels", "16", "--range-ratio", "100", "--coordinates", "100", "--rounds",
        "1", "--delta", "1e-5", "--target-epsilon", "2", "--json");
    assertEquals("keep_prob", keep.get("calibrated").asText());
    assertTrue(keep.get("epsilon").asDouble() <= 2.0);
  }

  @Test
  void rqmAgreesWithTheNotesAndM2IgnoresKeepProb() throws IOException {
    JsonNode r = json("privacy", "rqm", "--levels", "16", "--keep-prob", "0.25", "--range-ratio", "100", "--coordinates",
        "100", "--rounds", "1", "--delta", "1e-5", "--json");
    assertEquals(3.428, r.get("epsilon").asDouble(), 3e-3);
    JsonNode two = json("privacy", "rqm", "--levels", "2", "--range-ratio", "30", "--coordinates", "1", "--rounds", "100",
        "--delta", "1e-5", "--json");
    assertEquals(2.818, two.get("epsilon").asDouble(), 3e-3);
  }

  @Test
  void badInputIsOneLineAndExitCodeTwo() {
    String[] base = {"privacy", "gaussian", "--noise-multiplier", "1", "--steps", "10"};
    usageError("--delta", concat(base, "--delta", "0"));
    usageError("--delta", concat(base, "--delta", "1"));
    usageError("--noise-multiplier", "privacy", "gaussian", "--noise-multiplier", "-1", "--steps", "10", "--delta", "1e-5");
    usageError("--sampling-rate", concat(base, "--delta", "1e-5", "--sampling-rate", "1.5"));
    usageError("--sampling-rate", concat(base, "--delta", "1e-5", "--sampling-rate", "0"));
    usageError("--delta", "privacy", "gaussian", "--noise-multiplier", "1", "--steps", "10");
    usageError("--levels", "privacy", "rqm", "--levels", "1", "--range-ratio", "2", "--coordinates", "1", "--rounds", "1",
        "--delta", "1e-5");
    usageError("infinite", "privacy", "rqm", "--levels", "4", "--keep-prob", "1", "--range-ratio", "2", "--coordinates",
        "1", "--rounds", "1", "--delta", "1e-5");
    usageError("--accountant", concat(base, "--delta", "1e-5", "--accountant", "prv"));
    // Inputs past what the accountants can hold: one line saying what to change, never a trace.
    usageError("fewer compositions", "privacy", "gaussian", "--noise-multiplier", "1", "--sampling-rate", "0.01", "--steps",
        "1000000000000", "--delta", "1e-5", "--accountant", "pld");
    usageError("coarser discretization", "privacy", "gaussian", "--noise-multiplier", "1", "--sampling-rate", "0.01",
        "--steps", "100", "--delta", "1e-5", "--accountant", "pld", "--discretization", "1e-9");
    usageError("grid points", "privacy", "rqm", "--levels", "8", "--keep-prob", "0.9", "--range-ratio", "10",
        "--coordinates", "1000000000000", "--rounds", "10", "--delta", "1e-5", "--accountant", "pld");
    usageError("--levels", "privacy", "rqm", "--levels", "100000000", "--keep-prob", "0.9", "--range-ratio", "10",
        "--coordinates", "1", "--rounds", "10", "--delta", "1e-5");
    usageError("--target-epsilon", "privacy", "gaussian", "--target-epsilon", "1e-9", "--sampling-rate", "0.5", "--steps",
        "10000", "--delta", "1e-5");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
