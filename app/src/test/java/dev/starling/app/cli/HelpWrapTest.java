package dev.starling.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every word of every command's help (descriptions, options, parameters, examples) appears whole
 * in the rendered help: the wrapping breaks lines only between words, never inside a file name,
 * a config key or an example command someone will copy.
 */
class HelpWrapTest {

  private static void words(String[] texts, List<String> out) {
    for (String t : texts) {
      for (String w : t.split("\\s+")) {
        if (!w.isEmpty() && !w.contains("%") && !w.contains("${")) {
          out.add(w);
        }
      }
    }
  }

  private static void check(CommandLine cl, List<String> broken) {
    CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
    String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
    List<String> ws = new ArrayList<>();
    words(spec.usageMessage().description(), ws);
    words(spec.usageMessage().footer(), ws);
    for (CommandLine.Model.OptionSpec o : spec.options()) {
      words(o.description(), ws);
    }
    for (CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
      words(p.description(), ws);
    }
    for (String w : ws) {
      if (!help.contains(w)) {
        broken.add(spec.qualifiedName() + ": '" + w + "'");
      }
    }
    // An example is a command to copy: it stands on its own line(s), never wrapped.
    java.util.Set<String> lines = new java.util.HashSet<>(help.lines().toList());
    for (String f : spec.usageMessage().footer()) {
      if (f.startsWith("  ./starling") || f.startsWith("      ")) {
        if (!lines.contains(f)) {
          broken.add(spec.qualifiedName() + ": example line wrapped: '" + f + "'");
        }
      }
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      check(sub, broken);
    }
  }

  @Test
  void noWordIsSplitAcrossLines() {
    List<String> broken = new ArrayList<>();
    check(Main.commandLine(), broken);
    assertEquals(List.of(), broken);
  }
}
