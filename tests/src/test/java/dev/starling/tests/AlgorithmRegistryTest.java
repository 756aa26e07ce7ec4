package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.app.family.AlgorithmFamily;
import dev.starling.app.family.Families;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Algorithm names live in one place: the registry's families. Any other main source that spells
 * an algorithm's name as a string literal (a {@code case "modest"}, an {@code equals("diloco")})
 * is a switch the registry should have answered, and fails this test.
 */
class AlgorithmRegistryTest {

  static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();
  static final Path FAMILIES = ROOT.resolve("app/src/main/java/dev/starling/app/family");
  /** Each aggregation rule and server optimizer names itself in its own file. */
  static final Path RULES = ROOT.resolve("aggregator/src/main/java");
  /** And each FL strategy with a client side of its own. */
  static final Path STRATEGIES = ROOT.resolve("node/src/main/java/dev/starling/node/fl/strategy");

  @Test
  void algorithmNamesAppearOnlyInTheFamilies() throws IOException {
    List<String> names = Families.standard().algorithms();
    assertTrue(names.containsAll(List.of("fedavg", "fedprox", "fedadam", "modest", "dpsgd", "epidemic", "gossip", "diloco")),
        names.toString());
    List<String> found = new ArrayList<>();
    List<Path> sources;
    try (Stream<Path> s = Files.walk(ROOT)) {
      sources = s.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")
          && !p.startsWith(FAMILIES) && !p.startsWith(RULES) && !p.startsWith(STRATEGIES) && !p.toString().contains("/target/")).toList();
    }
    assertTrue(sources.size() > 150, "read " + sources.size() + " main sources");
    for (Path p : sources) {
      String code = Files.readString(p, StandardCharsets.UTF_8);
      for (String name : names) {
        if (code.contains("\"" + name + "\"")) {
          found.add(ROOT.relativize(p) + " spells \"" + name + "\"");
        }
      }
    }
    assertEquals(List.of(), found);
  }

  @Test
  void everyAlgorithmHasExactlyOneFamily() {
    Families registry = Families.standard();
    for (String a : registry.algorithms()) {
      long owners = registry.all().stream().filter(f -> f.algorithms().contains(a)).count();
      assertEquals(1, owners, a);
    }
    AlgorithmFamily fl = registry.of("fedavg");
    assertThrows(IllegalStateException.class, () -> new Families(List.of(fl, fl)));
  }
}
