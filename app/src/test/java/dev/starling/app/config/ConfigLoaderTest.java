package dev.starling.app.config;

import dev.starling.app.family.Families;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  private int files;

  private Path write(String body) throws IOException {
    Path p = dir.resolve(files++ == 0 ? "exp.conf" : "exp" + files + ".conf");
    Files.writeString(p, body);
    return p;
  }

  private String error(Path p, String... sets) {
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(p, List.of(sets), null, null, Families.standard()));
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void defaultsAndOverridesApply() throws IOException {
    SimConfig c = ConfigLoader.load(write("rounds = 7\nclients.count = 12"), List.of("server.clients-per-round=3",
        "algorithm=fedadam"), 99L, null, Families.standard());
    assertEquals("exp", c.name());
    assertEquals(7, c.rounds());
    assertEquals(12, c.clients());
    assertEquals(3, c.server().clientsPerRound());
    assertEquals(99, c.seed());
    assertEquals(0.01, c.server().learningRate(), 1e-12); // adaptive default
    assertEquals(0.0, c.training().proxMu(), 0.0); // only fedprox uses the proximal term
  }

  @Test
  void theProximalTermBelongsToFedProx() throws IOException {
    Path p = write("rounds = 2");
    SimConfig prox = ConfigLoader.load(p, List.of("algorithm=fedprox"), null, null, Families.standard());
    assertEquals(0.01, prox.training().proxMu(), 0.0); // the strategy's default
    assertEquals(1.0, prox.server().learningRate(), 0.0);
    String set = error(p, "training.prox-mu=0.1");
    assertTrue(set.contains("'training.prox-mu'") && set.contains("fedavg") && set.contains("fedprox"), set);
    String zero = error(p, "algorithm=fedprox", "training.prox-mu=0");
    assertTrue(zero.contains("'training.prox-mu'") && zero.contains("allowed > 0"), zero);
    String rule = error(p, "server.aggregator=krumm");
    assertTrue(rule.contains("'server.aggregator'") && rule.contains("multi-krum"), rule);
  }

  @Test
  void unknownKeysAreNamedWithASuggestion() throws IOException {
    String m = error(write("clients.cuont = 5"));
    assertTrue(m.contains("'clients.cuont'") && m.contains("did you mean 'clients.count'"), m);
    String m2 = error(write("rounds = 3"), "server.nope=1");
    assertTrue(m2.contains("'server.nope'") && m2.contains("--set"), m2);
  }

  @Test
  void wrongTypesAndRangesNameKeyValueAndAllowed() throws IOException {
    Path p = write("rounds = 3");
    String m = error(p, "rounds=abc");
    assertEquals("config key 'rounds': 'abc' is not an integer", m);
    String neg = error(write("clients.count = -5"));
    assertEquals("config key 'clients.count': -5 is out of range (allowed >= 1 and <= 100000000)", neg);
    String choice = error(p, "algorithm=fedsgd");
    assertTrue(choice.contains("'fedsgd' is not one of fedavg, fedavgm"), choice);
    String frac = error(p, "server.over-selection=-0.5");
    assertTrue(frac.contains("server.over-selection") && frac.contains("-0.5"), frac);
  }

  @Test
  void missingAndMalformedFiles() throws IOException {
    String m = error(dir.resolve("nope.conf"));
    assertTrue(m.startsWith("config file not found: ") && m.contains("nope.conf"), m);
    String syntax = error(write("rounds = {"));
    assertTrue(syntax.contains(".conf") && syntax.startsWith("config file "), syntax);
  }
}
