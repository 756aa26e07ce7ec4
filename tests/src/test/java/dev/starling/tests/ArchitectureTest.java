package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package structure the READMEs promise, read from the main sources' imports and
 * qualified names: no package cycles anywhere, every module imports only the modules below it,
 * the leaf modules use no Pekko, and test-only libraries stay in test scope.
 */
class ArchitectureTest {

  static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();

  /** Which modules each module's main code may import (besides itself). */
  static final Map<String, Set<String>> ALLOWED = Map.of(
      "aggregator", Set.of(),
      "privacy", Set.of(),
      "sampling", Set.of(),
      "node", Set.of("aggregator", "privacy", "sampling"),
      "simulator", Set.of("node", "aggregator", "privacy", "sampling"),
      "cluster", Set.of("node", "aggregator", "privacy", "sampling"),
      "app", Set.of("simulator", "cluster", "node", "aggregator", "privacy", "sampling"),
      "bench", Set.of("app", "simulator", "cluster", "node", "aggregator", "privacy", "sampling"));

  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.starling\\.[\\w.]+);", Pattern.MULTILINE);
  private static final Pattern QUALIFIED = Pattern.compile("\\b(dev\\.starling\\.[a-z][\\w.]*\\.[A-Z]\\w*)");

  record Source(String module, String pkg, String type, String code) {}

  static List<Source> sources = new ArrayList<>();
  static Map<String, String> packageOfType = new HashMap<>();
  static Map<String, String> moduleOfPackage = new HashMap<>();

  @BeforeAll
  static void read() throws IOException {
    for (String module : ALLOWED.keySet()) {
      Path dir = ROOT.resolve(module).resolve("src/main/java");
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f, StandardCharsets.UTF_8);
          Matcher m = PACKAGE.matcher(text);
          assertTrue(m.find(), f + " has no package line");
          String type = m.group(1) + "." + f.getFileName().toString().replace(".java", "");
          sources.add(new Source(module, m.group(1), type, text));
          packageOfType.put(type, m.group(1));
          moduleOfPackage.put(m.group(1), module);
        }
      }
    }
    assertTrue(sources.size() > 150, "read " + sources.size() + " sources under " + ROOT);
  }

  /** The types a source refers to: its imports and the qualified names in its code (not in strings or comments). */
  static Set<String> references(Source s) {
    Set<String> out = new TreeSet<>();
    Matcher im = IMPORT.matcher(s.code());
    while (im.find()) {
      out.add(im.group(1));
    }
    String code = s.code().replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "").replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
    code = code.replaceAll("(?m)^import .*$", "");
    Matcher qm = QUALIFIED.matcher(code);
    while (qm.find()) {
      out.add(qm.group(1));
    }
    return out;
  }

  /** The package a referenced name lives in (a nested type or a static member resolves to its top-level type's package). */
  static String packageOf(String name) {
    String[] parts = name.split("\\.");
    for (int k = parts.length; k > 0; k--) {
      String candidate = String.join(".", java.util.Arrays.copyOf(parts, k));
      if (packageOfType.containsKey(candidate)) {
        return packageOfType.get(candidate);
      }
    }
    return null; // generated code (protobuf) or a package the main sources do not define
  }

  static Map<String, Set<String>> packageGraph() {
    Map<String, Set<String>> g = new TreeMap<>();
    for (Source s : sources) {
      Set<String> out = g.computeIfAbsent(s.pkg(), k -> new TreeSet<>());
      for (String r : references(s)) {
        String p = packageOf(r);
        if (p != null && !p.equals(s.pkg())) {
          out.add(p);
        }
      }
    }
    return g;
  }

  /** Strongly connected components with more than one package (Tarjan). */
  static List<Set<String>> cycles(Map<String, Set<String>> g) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new java.util.HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : g.keySet()) {
      if (!index.containsKey(v)) {
        strongConnect(v, g, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void strongConnect(String v, Map<String, Set<String>> g, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]++);
    stack.push(v);
    onStack.add(v);
    for (String w : g.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        strongConnect(w, g, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> comp = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        comp.add(w);
      } while (!w.equals(v));
      if (comp.size() > 1) {
        out.add(comp);
      }
    }
  }

  @Test
  void theCycleFinderFindsACycle() {
    Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
    assertEquals(List.of(Set.of("a", "b", "c")), cycles(g));
    assertEquals(List.of(), cycles(Map.of("a", Set.of("b"), "b", Set.of())));
  }

  @Test
  void noPackageCycles() {
    assertEquals(List.of(), cycles(packageGraph()), "package cycles in the main sources");
  }

  @Test
  void everyModuleImportsOnlyTheModulesBelowIt() {
    List<String> violations = new ArrayList<>();
    for (Source s : sources) {
      for (String r : references(s)) {
        String p = packageOf(r);
        String target = p == null ? null : moduleOfPackage.get(p);
        if (target != null && !target.equals(s.module()) && !ALLOWED.get(s.module()).contains(target)) {
          violations.add(s.type() + " (" + s.module() + ") uses " + r + " (" + target + ")");
        }
      }
    }
    assertEquals(List.of(), violations);
  }

  @Test
  void leafModulesUseNoPekkoAndNoNd4j() {
    List<String> violations = new ArrayList<>();
    for (Source s : sources) {
      if (Set.of("aggregator", "privacy", "sampling").contains(s.module())
          && (s.code().contains("import org.apache.pekko") || s.code().contains("import org.nd4j"))) {
        violations.add(s.type());
      }
    }
    assertEquals(List.of(), violations);
  }

  /**
   * Churn is the runtime's job: no role keeps an online flag or reacts to being set online or
   * offline (a crash is its actor stopping, a restart a new actor on its storage).
   */
  @Test
  void rolesHaveNoOnlineFlag() {
    Pattern flag = Pattern.compile("\\bSetOnline\\b|\\bboolean\\s+(?:is)?[oO]nline\\b|\\bstartOnline\\b");
    List<String> violations = new ArrayList<>();
    for (Source s : sources) {
      if (s.module().equals("node") && flag.matcher(s.code()).find()) {
        violations.add(s.type());
      }
    }
    assertEquals(List.of(), violations);
    assertTrue(sources.stream().anyMatch(s -> s.type().endsWith(".ModestPeer")), "the roles were read");
  }

  /** Test kits stay in test scope; no module ships pekko-testkit. */
  @Test
  void testOnlyLibrariesStayInTestScope() throws IOException {
    List<String> violations = new ArrayList<>();
    Pattern dep = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
    for (String module : ALLOWED.keySet()) {
      Path pom = ROOT.resolve(module).resolve("pom.xml");
      if (!Files.exists(pom)) {
        continue;
      }
      Matcher m = dep.matcher(Files.readString(pom, StandardCharsets.UTF_8));
      while (m.find()) {
        String d = m.group(1);
        boolean test = d.contains("<scope>test</scope>");
        if ((d.contains("pekko-actor-testkit-typed") || d.contains("junit")) && !test) {
          violations.add(module + ": " + d.strip());
        }
        if (d.contains("<artifactId>pekko-testkit_") && !test) {
          violations.add(module + ": " + d.strip());
        }
      }
    }
    assertEquals(List.of(), violations);
  }
}
