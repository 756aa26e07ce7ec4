package dev.starling.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starling.app.report.ComparisonPlot.Series;
import dev.starling.app.report.ComparisonPlot;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code starling compare CONFIG...}: runs several simulations and compares them on one plot
 * (accuracy against bytes and against virtual time) and in one table, including the bytes and
 * virtual time each run needed to first reach a common target accuracy.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    footer = {"", "Examples:", "  ./starling compare configs/fl-synthetic.conf configs/modest-synthetic.conf --out runs/cmp",
        "  ./starling compare configs/fl-mnist.conf configs/modest-mnist.conf --target 0.97 \\", "      --reuse --out runs/cmp",
        "  ./starling compare configs/fl-synthetic.conf::server.clients-per-round=5 \\",
        "      configs/fl-synthetic.conf::server.clients-per-round=20"},
    description = {"Run several simulation configs and compare them: accuracy against bytes and virtual time.",
        "Writes <out>/<config-name>/ per run, comparison.png, comparison.csv and comparison.md."})
public final class CompareCommand implements Callable<Integer> {

  @Parameters(arity = "2..*", paramLabel = "CONFIG[::KEY=VALUE,...]",
      description = {"Two or more config files, e.g.", "configs/fl-mnist.conf configs/modest-mnist.conf;",
          "a file may carry its own overrides after '::' (comma-separated),",
          "so one config can be compared with itself under other settings."})
  List<String> specs;

  /** The config files, and each one's own overrides. */
  private final List<Path> configs = new ArrayList<>();
  private final List<List<String>> ownSets = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/compare-<timestamp>/).")
  Path out;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key in every config (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--target", paramLabel = "ACC",
      description = "Target accuracy in [0, 1] for the bytes-to-accuracy column (default: the lowest final accuracy among the runs).")
  Double target;

  @Option(names = "--reuse", description = "Reuse a run already complete in <out>/<config-name>/ instead of running it again.")
  boolean reuse;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Dataset cache, as for simulate.")
  Path dataDir;

  @Option(names = {"-q", "--quiet"}, description = "No progress output; the table only.")
  boolean quiet;

  /** One run's curve and summary. */
  record Run(String name, String algorithm, List<double[]> points, double finalAccuracy, double bestAccuracy,
      double virtualSeconds, long bytes) {}

  @Override
  public Integer call() throws IOException {
    if (target != null && !(target >= 0 && target <= 1)) {
      throw new UsageException("--target " + target + " is out of range (allowed 0..1, an accuracy fraction)");
    }
    List<String> names = new ArrayList<>();
    for (String spec : specs) {
      int at = spec.indexOf("::");
      Path c = Paths.get(at < 0 ? spec : spec.substring(0, at));
      List<String> sets = new ArrayList<>();
      if (at >= 0) {
        for (String kv : spec.substring(at + 2).split(",")) {
          if (kv.indexOf('=') <= 0) {
            throw new UsageException("'" + spec + "': '" + kv + "' after '::' is not KEY=VALUE");
          }
          sets.add(kv.strip());
        }
      }
      configs.add(c);
      ownSets.add(sets);
      if (!Files.isRegularFile(c)) {
        throw new UsageException("config file not found: " + c);
      }
      String name = c.getFileName().toString().replaceFirst("\\.[^.]*$", "")
          + (sets.isEmpty() ? "" : "[" + String.join(",", sets).replaceAll("[^A-Za-z0-9=.,_-]", "_") + "]");
      if (names.contains(name)) {
        throw new UsageException("two configs are named '" + name + "'; their runs would share a directory");
      }
      names.add(name);
    }
    Path dir = out != null ? out
        : Paths.get("runs", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      Path runDir = dir.resolve(names.get(i));
      boolean complete = Files.exists(runDir.resolve("summary.json"));
      if (reuse && complete) {
        checkComplete(runDir);
      }
      if (!(reuse && complete)) {
        if (Files.exists(runDir.resolve("metrics.csv"))) {
          throw new UsageException("output directory " + runDir + " already holds a run; pass --reuse or choose another --out");
        }
        if (!quiet) {
          System.err.println("compare: running " + configs.get(i) + " -> " + runDir);
        }
        List<String> sets = new ArrayList<>(overrides);
        sets.addAll(ownSets.get(i));
        int rc = SimulateCommand.runQuietly(configs.get(i), sets, null, runDir, dataDir, false);
        if (rc != 0) {
          System.err.println("compare: " + configs.get(i) + " failed (exit " + rc + "); comparing what it wrote");
        }
      } else if (!quiet) {
        System.err.println("compare: reusing " + runDir);
      }
      runs.add(read(names.get(i), runDir));
    }
    double tgt = target != null ? target : runs.stream().mapToDouble(Run::finalAccuracy).min().orElse(0);
    List<Series> series = new ArrayList<>();
    for (Run r : runs) {
      series.add(new Series(r.name(), r.points()));
    }
    ComparisonPlot.write(series, dir.resolve("comparison.png"));
    String table = table(runs, tgt);
    Files.writeString(dir.resolve("comparison.md"), table, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("comparison.csv"), csv(runs, tgt), StandardCharsets.UTF_8);
    PrintStream o = System.out;
    o.print(table);
    o.println();
    o.println("comparison: " + dir.resolve("comparison.png") + ", " + dir.resolve("comparison.csv"));
    return 0;
  }

  /** Points (round, virtual time, bytes, accuracy) of the evaluated rows of a run's metrics.csv. */
  static Run read(String name, Path runDir) {
    try {
      List<String> lines = Files.readAllLines(runDir.resolve("metrics.csv"));
      if (lines.isEmpty()) {
        throw new UsageException(runDir.resolve("metrics.csv") + " is empty");
      }
      List<String> header = List.of(lines.get(0).split(","));
      int cRound = column(header, "round", runDir);
      int cTime = column(header, "virtual_time_s", runDir);
      int cAcc = column(header, "accuracy", runDir);
      int cBytes = column(header, "bytes_total", runDir);
      List<double[]> points = new ArrayList<>();
      double best = Double.NaN;
      double last = Double.NaN;
      double time = 0;
      long bytes = 0;
      for (String l : lines.subList(1, lines.size())) {
        String[] f = l.split(",", -1);
        time = Double.parseDouble(f[cTime]);
        bytes = Long.parseLong(f[cBytes]);
        if (!f[cAcc].isEmpty()) {
          double a = Double.parseDouble(f[cAcc]);
          points.add(new double[] {Double.parseDouble(f[cRound]), time, bytes, a});
          best = Double.isNaN(best) ? a : Math.max(best, a);
          last = a;
        }
      }
      String algorithm = "?";
      Path summary = runDir.resolve("summary.json");
      if (Files.exists(summary)) {
        algorithm = new ObjectMapper().readTree(summary.toFile()).path("algorithm").asText("?");
      }
      return new Run(name, algorithm, points, last, best, time, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + runDir + ": " + e.getMessage(), e);
    }
  }

  private static int column(List<String> header, String name, Path dir) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new UsageException(dir.resolve("metrics.csv") + " has no column '" + name + "'");
    }
    return i;
  }

  /** The first evaluated point at or above {@code target}, or null. */
  static double[] reach(Run r, double target) {
    for (double[] p : r.points()) {
      if (p[3] >= target - 1e-12) {
        return p;
      }
    }
    return null;
  }

  static String table(List<Run> runs, double target) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "| run | algorithm | rounds | final acc. | best acc. | virtual time | bytes | round to %.2f %% | bytes to %.2f %% | virtual s to %.2f %% |%n",
        target * 100, target * 100, target * 100));
    sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Run r : runs) {
      double[] p = reach(r, target);
      int rounds = r.points().isEmpty() ? 0 : (int) r.points().get(r.points().size() - 1)[0];
      sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f %% | %.2f %% | %.1f s | %s | %s | %s | %s |%n", r.name(),
          r.algorithm(), rounds, r.finalAccuracy() * 100, r.bestAccuracy() * 100, r.virtualSeconds(),
          SimulateCommand.human(r.bytes()), p == null ? "not reached" : String.valueOf((int) p[0]),
          p == null ? "not reached" : SimulateCommand.human((long) p[2]),
          p == null ? "not reached" : String.format(Locale.ROOT, "%.1f", p[1])));
    }
    return sb.toString();
  }

  static String csv(List<Run> runs, double target) {
    StringBuilder sb = new StringBuilder(
        "run,algorithm,rounds,final_accuracy,best_accuracy,virtual_time_s,bytes_total,target_accuracy,round_to_target,bytes_to_target,virtual_s_to_target\n");
    for (Run r : runs) {
      double[] p = reach(r, target);
      int rounds = r.points().isEmpty() ? 0 : (int) r.points().get(r.points().size() - 1)[0];
      String name = r.name().contains(",") ? "\"" + r.name() + "\"" : r.name(); // RFC 4180 quoting
      sb.append(String.format(Locale.ROOT, "%s,%s,%d,%.6f,%.6f,%.6f,%d,%.6f,%s,%s,%s%n", name, r.algorithm(), rounds,
          r.finalAccuracy(), r.bestAccuracy(), r.virtualSeconds(), r.bytes(), target,
          p == null ? "" : String.valueOf((int) p[0]), p == null ? "" : String.valueOf((long) p[2]),
          p == null ? "" : String.format(Locale.ROOT, "%.6f", p[1])));
    }
    return sb.toString();
  }

  /** A run to reuse must have as many rows in metrics.csv as its summary says it completed. */
  static void checkComplete(Path runDir) throws java.io.IOException {
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(runDir.resolve("summary.json").toFile());
    long rows;
    try (var lines = Files.lines(runDir.resolve("metrics.csv"))) {
      rows = lines.count() - 1;
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      rows = -1;
    }
    long rounds = summary.path("rounds").asLong(-1);
    if (rows != rounds) {
      throw new UsageException("--reuse: " + runDir + " is damaged: metrics.csv has " + Math.max(rows, 0) + " rounds, its"
          + " summary.json says " + rounds + "; delete that directory to run it again");
    }
  }
}
