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

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }
}
