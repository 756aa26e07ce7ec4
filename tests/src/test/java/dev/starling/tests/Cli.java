package dev.starling.tests;

import dev.starling.app.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Runs the real CLI in-process and captures what it prints. */
final class Cli {

  /** The shipped configs directory (tests run with the module directory as working directory). */
  static final Path CONFIGS = Paths.get("..", "configs");

  record Result(int exitCode, String out, String err) {}

  private Cli() {}

  /**
   * {@code starling simulate fl-synthetic.conf --out OUT --quiet}, then {@code base} and a
   * {@code --set} for each of {@code sets}; asserts exit 0 and returns OUT.
   */
  static Path simulateSynthetic(Path out, java.util.List<String> base, String... sets) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("simulate",
        CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(), "--quiet"));
    args.addAll(base);
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    Result r = run(args.toArray(String[]::new));
    org.junit.jupiter.api.Assertions.assertEquals(0, r.exitCode(), r.err());
    return out;
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }
}
