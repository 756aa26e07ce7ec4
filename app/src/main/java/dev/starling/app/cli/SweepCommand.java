package dev.starling.app.cli;

import dev.starling.app.report.SweepPlot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code starling sweep CONFIG --seeds 1-5 --grid key=v1,v2 ...}: every combination of the grid's
 * values, each with every seed, one run directory apiece ({@code <out>/<combination>/seed-<n>});
 * finished runs are reused and unfinished ones run again, so a sweep resumes where it stopped.
 * Then a table per combination (mean ± std, min and max of the final and best accuracy; rounds,
 * virtual time and bytes to a target) and a plot of the mean accuracy with a band of one
 * standard deviation against round, virtual time and bytes.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = {"Run a config over seeds and a grid of settings; tabulate mean ± std and plot bands.",
        "Writes <out>/<combination>/seed-<n>/ per run (reused when finished),", "sweep.csv, sweep.md and sweep.png."},
    footer = {"", "Examples:",
        "  ./starling sweep configs/fl-synthetic.conf --seeds 1-3 --grid server.clients-per-round=5,10",
        "  ./starling sweep configs/fl-mnist.conf --seeds 1,2 \\", "      --grid training.learning-rate=0.01,0.05 --target 0.97"})
public final class SweepCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CONFIG", description = "The experiment config file.")
  Path config;

  @Option(names = "--seeds", paramLabel = "SPEC", defaultValue = "1-3",
      description = "Seeds: a range 1-5, a list 1,4,9, or both (1-3,7). Default: ${DEFAULT-VALUE}.")
  String seeds;

  @Option(names = "--grid", paramLabel = "KEY=V1,V2,...",
      description = "A config key and the values it takes (repeatable; every combination is run).")
  List<String> grid = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key in every run (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/sweep-<config>-<timestamp>/).")
  Path out;

  @Option(names = "--target", paramLabel = "ACC",
      description = "Accuracy (fraction) for the to-target columns; default: the lowest mean final accuracy.")
  Double target;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Dataset cache, as for simulate.")
  Path dataDir;

  @Option(names = {"-q", "--quiet"}, description = "No progress output; the table and where it is written only.")
  boolean quiet;

  /** One combination of grid values: its name and its --set overrides. */
  record Combination(String name, List<String> sets) {}

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(config)) {
      throw new UsageException("config file not found: " + config);
    }
    if (target != null && !(target >= 0 && target <= 1)) {
      throw new UsageException("--target " + target + " is out of range (allowed 0..1, an accuracy fraction)");
    }
    List<Long> seedList = parseSeeds(seeds);
    List<Combination> combos = combinations(grid);
    String base = config.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    Path dir = out != null ? out
        : Paths.get("runs", "sweep-" + base + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Map<Combination, List<CompareCommand.Run>> results = new LinkedHashMap<>();
    int ran = 0;
    int reused = 0;
    for (Combination c : combos) {
      List<CompareCommand.Run> runs = new ArrayList<>();
      for (long seed : seedList) {
        Path runDir = dir.resolve(c.name()).resolve("seed-" + seed);
        boolean finished = Files.exists(runDir.resolve("summary.json"));
        if (finished) {
          CompareCommand.checkComplete(runDir);
          reused++;
        } else {
          if (!quiet) {
            System.err.println("sweep: running " + c.name() + ", seed " + seed + " -> " + runDir);
          }
          List<String> sets = new ArrayList<>(overrides);
          sets.addAll(c.sets());
          // force: an unfinished run of an interrupted sweep is run again
          int rc = SimulateCommand.runQuietly(config, sets, seed, runDir, dataDir, true);
          if (rc != 0) {
            System.err.println("sweep: " + c.name() + " seed " + seed + " failed (exit " + rc + "); tabulating what it wrote");
          }
          ran++;
        }
        runs.add(CompareCommand.read(c.name() + "/seed-" + seed, runDir));
      }
      results.put(c, runs);
    }
    double tgt = target != null ? target
        : results.values().stream().mapToDouble(rs -> stats(rs, CompareCommand.Run::finalAccuracy)[0]).min().orElse(0);
    Files.createDirectories(dir);
    String md = markdown(results, tgt, seedList.size());
    Files.writeString(dir.resolve("sweep.md"), md, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("sweep.csv"), csv(results, tgt), StandardCharsets.UTF_8);
    List<SweepPlot.Band> bands = new ArrayList<>();
    results.forEach((c, rs) -> bands.add(band(c.name(), rs)));
    SweepPlot.write(bands, dir.resolve("sweep.png"));
    java.io.PrintWriter o = spec != null ? spec.commandLine().getOut() : new java.io.PrintWriter(System.out, true);
    o.print(md);
    o.println();
    o.println("sweep: " + ran + " run" + (ran == 1 ? "" : "s") + " run, " + reused + " reused; " + dir.resolve("sweep.md")
        + ", " + dir.resolve("sweep.csv") + ", " + dir.resolve("sweep.png"));
    o.flush();
    return 0;
  }

  /** "1-3,7" -> [1, 2, 3, 7], ascending and distinct. */
  static List<Long> parseSeeds(String spec) {
    TreeSet<Long> out = new TreeSet<>();
    for (String part : spec.split(",")) {
      String p = part.strip();
      try {
        int dash = p.indexOf('-', 1);
        if (dash > 0) {
          long a = Long.parseLong(p.substring(0, dash).strip());
          long b = Long.parseLong(p.substring(dash + 1).strip());
          if (b < a || b - a >= 10_000) {
            throw new UsageException("--seeds: range '" + p + "' is empty or longer than 10,000 seeds");
          }
          for (long s = a; s <= b; s++) {
            out.add(s);
          }
        } else {
          out.add(Long.parseLong(p));
        }
      } catch (NumberFormatException e) {
        throw new UsageException("--seeds: '" + p + "' is not a seed or a range (allowed e.g. 1-5, 1,4,9 or 1-3,7)");
      }
    }
    if (out.isEmpty()) {
      throw new UsageException("--seeds: '" + spec + "' names no seed");
    }
    return new ArrayList<>(out);
  }

  /** The cartesian product of the grid, in the order given (the first key varies slowest). */
  static List<Combination> combinations(List<String> grid) {
    List<Combination> acc = new ArrayList<>();
    acc.add(new Combination("", List.of()));
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (String g : grid) {
      int eq = g.indexOf('=');
      if (eq <= 0 || eq == g.length() - 1) {
        throw new UsageException("--grid: '" + g + "' is not KEY=V1,V2,... (e.g. server.clients-per-round=5,10)");
      }
      String key = g.substring(0, eq).strip();
      if (!keys.add(key)) {
        throw new UsageException("--grid: key '" + key + "' is given twice");
      }
      List<String> values = new ArrayList<>();
      for (String v : g.substring(eq + 1).split(",")) {
        if (v.isBlank() || values.contains(v.strip())) {
          throw new UsageException("--grid: '" + g + "' has an empty or repeated value");
        }
        values.add(v.strip());
      }
      List<Combination> next = new ArrayList<>();
      for (Combination c : acc) {
        for (String v : values) {
          List<String> sets = new ArrayList<>(c.sets());
          sets.add(key + "=" + v);
          String part = (key + "=" + v).replaceAll("[^A-Za-z0-9=._-]", "_");
          next.add(new Combination(c.name().isEmpty() ? part : c.name() + "," + part, sets));
        }
      }
      acc = next;
    }
    if (acc.size() == 1 && acc.get(0).name().isEmpty()) {
      return List.of(new Combination("base", List.of()));
    }
    return acc;
  }

  /** {mean, std (sample), min, max} of a value over runs; NaN where no run has it. */
  static double[] stats(List<CompareCommand.Run> runs, java.util.function.ToDoubleFunction<CompareCommand.Run> f) {
    org.apache.commons.math3.stat.descriptive.DescriptiveStatistics s = new org.apache.commons.math3.stat.descriptive.DescriptiveStatistics();
    for (CompareCommand.Run r : runs) {
      double v = f.applyAsDouble(r);
      if (!Double.isNaN(v)) {
        s.addValue(v);
      }
    }
    if (s.getN() == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    }
    return new double[] {s.getMean(), s.getN() > 1 ? s.getStandardDeviation() : 0, s.getMin(), s.getMax()};
  }

  private static double toTarget(CompareCommand.Run r, double target, int what) {
    double[] p = CompareCommand.reach(r, target);
    return p == null ? Double.NaN : p[what];
  }

  private static int reached(List<CompareCommand.Run> rs, double target) {
    int n = 0;
    for (CompareCommand.Run r : rs) {
      n += CompareCommand.reach(r, target) != null ? 1 : 0;
    }
    return n;
  }

  private static String pm(double[] s, double scale, String fmt) {
    if (Double.isNaN(s[0])) {
      return "–";
    }
    return String.format(Locale.ROOT, fmt + " ± " + fmt, s[0] * scale, s[1] * scale);
  }

  static String markdown(Map<Combination, List<CompareCommand.Run>> results, double target, int seeds) {
    StringBuilder sb = new StringBuilder();
    String t = String.format(Locale.ROOT, "%.2f %%", target * 100);
    sb.append("| configuration | seeds | final acc. (%) | min–max | best acc. (%) | reached ").append(t)
        .append(" | rounds to ").append(t).append(" | virtual s to ").append(t).append(" | MiB to ").append(t).append(" |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|\n");
    results.forEach((c, rs) -> {
      double[] fin = stats(rs, CompareCommand.Run::finalAccuracy);
      double[] best = stats(rs, CompareCommand.Run::bestAccuracy);
      sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2f–%.2f | %s | %d of %d | %s | %s | %s |%n", c.name(), rs.size(),
          pm(fin, 100, "%.2f"), fin[2] * 100, fin[3] * 100, pm(best, 100, "%.2f"), reached(rs, target), seeds,
          pm(stats(rs, r -> toTarget(r, target, 0)), 1, "%.1f"), pm(stats(rs, r -> toTarget(r, target, 1)), 1, "%.1f"),
          pm(stats(rs, r -> toTarget(r, target, 2)), 1.0 / (1024 * 1024), "%.2f")));
    });
    return sb.toString();
  }

  static String csv(Map<Combination, List<CompareCommand.Run>> results, double target) {
    StringBuilder sb = new StringBuilder("configuration,seeds,final_accuracy_mean,final_accuracy_std,final_accuracy_min,"
        + "final_accuracy_max,best_accuracy_mean,best_accuracy_std,target_accuracy,reached,rounds_to_target_mean,"
        + "rounds_to_target_std,virtual_s_to_target_mean,virtual_s_to_target_std,bytes_to_target_mean,bytes_to_target_std\n");
    results.forEach((c, rs) -> {
      double[] fin = stats(rs, CompareCommand.Run::finalAccuracy);
      double[] best = stats(rs, CompareCommand.Run::bestAccuracy);
      double[] rounds = stats(rs, r -> toTarget(r, target, 0));
      double[] secs = stats(rs, r -> toTarget(r, target, 1));
      double[] bytes = stats(rs, r -> toTarget(r, target, 2));
      sb.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%s,%s,%s,%.6f,%d,%s,%s,%s,%s,%s,%s%n", c.name().contains(",")
          ? "\"" + c.name() + "\"" : c.name(), rs.size(), n(fin[0]), n(fin[1]), n(fin[2]), n(fin[3]), n(best[0]), n(best[1]),
          target, reached(rs, target), n(rounds[0]), n(rounds[1]), n(secs[0]), n(secs[1]), n(bytes[0]), n(bytes[1])));
    });
    return sb.toString();
  }

  private static String n(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
  }

  /** Mean and std of accuracy per round present in every seed's evaluated rows. */
  static SweepPlot.Band band(String name, List<CompareCommand.Run> runs) {
    Map<Integer, List<double[]>> byRound = new java.util.TreeMap<>();
    for (CompareCommand.Run r : runs) {
      for (double[] p : r.points()) {
        byRound.computeIfAbsent((int) p[0], k -> new ArrayList<>()).add(p);
      }
    }
    List<double[]> rows = new ArrayList<>();
    byRound.forEach((round, ps) -> {
      if (ps.size() == runs.size()) {
        org.apache.commons.math3.stat.descriptive.SummaryStatistics acc = new org.apache.commons.math3.stat.descriptive.SummaryStatistics();
        double secs = 0;
        double bytes = 0;
        for (double[] p : ps) {
          acc.addValue(p[3] * 100);
          secs += p[1];
          bytes += p[2];
        }
        rows.add(new double[] {round, secs / ps.size(), bytes / ps.size() / (1024 * 1024), acc.getMean(),
            ps.size() > 1 ? acc.getStandardDeviation() : 0});
      }
    });
    double[][] cols = new double[5][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      for (int k = 0; k < 5; k++) {
        cols[k][i] = rows.get(i)[k];
      }
    }
    return new SweepPlot.Band(name, cols[0], cols[1], cols[2], cols[3], cols[4]);
  }
}
