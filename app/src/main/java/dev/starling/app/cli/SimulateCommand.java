package dev.starling.app.cli;

import dev.starling.app.config.ConfigLoader;
import dev.starling.app.config.SimConfig;
import dev.starling.app.family.AlgorithmFamily;
import dev.starling.app.family.Families;
import dev.starling.node.UserError;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.Provenance;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code starling simulate CONFIG}: run an experiment in the deterministic in-JVM simulator. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    footer = {"", "Examples:", "  ./starling simulate configs/fl-synthetic.conf", "  ./starling simulate configs/fl-mnist.conf --set model.type=logreg --set rounds=60 \\", "      --out runs/logreg", "  ./starling simulate configs/fl-synthetic.conf \\", "      --set privacy.mechanism=gaussian --set privacy.budget-epsilon=5", "  ./starling simulate configs/fl-synthetic.conf --print-config"},
    
    description = {"Run a simulation described by a HOCON config (see configs/ and docs/reference/config.md).",
        "Writes metrics.csv, participants.csv, summary.json, config.conf and accuracy.png to the output directory."})
public final class SimulateCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;


  @Parameters(index = "0", paramLabel = "CONFIG", description = "The experiment config file, e.g. configs/fl-synthetic.conf.")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a config key (repeatable): --set rounds=5 --set model.type=cnn")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<config-name>-<timestamp>/).")
  Path out;

  @Option(names = "--seed", paramLabel = "N", description = "Seed overriding the config's 'seed'.")
  Long seed;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = {"Dataset cache, overriding data.dir", "(default: $STARLING_DATA, else ~/.starling/data)"})
  Path dataDir;

  @Option(names = "--plugin", paramLabel = "JAR",
      description = "A jar (or class directory) of your own algorithm families and model types, found by ServiceLoader (repeatable).")
  List<Path> plugins = new ArrayList<>();

  @Option(names = "--shards", paramLabel = "N",
      description = {"Spread the run over N JVMs on this machine (simulation.shards): the same metrics.csv and model",
          "as one JVM (FL and serverless families)."})
  Integer shards;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar or summary table: errors and where the results are only.")
  boolean quiet;

  @Option(names = "--force", description = "Replace a run already in --out (finished or interrupted).")
  boolean force;

  @Option(names = "--print-config", description = "Print the resolved config (defaults, includes and --set applied) and exit"
      + " without running.")
  boolean printConfig;

  /** Whether a quiet run still prints where its results are (compare and sweep, which run it, say it themselves). */
  boolean announce = true;

  /**
   * A quiet run for compare and sweep, which report runs themselves: {@code config} with
   * {@code sets} (and the seed, when not null) into {@code out}, replacing what is there when
   * {@code force}. Returns the exit code.
   */
  static int runQuietly(Path config, List<String> sets, Long seed, Path out, Path dataDir, boolean force) {
    SimulateCommand sim = new SimulateCommand();
    sim.config = config;
    sim.overrides = new ArrayList<>(sets);
    sim.seed = seed;
    sim.out = out;
    sim.dataDir = dataDir;
    sim.quiet = true;
    sim.announce = false;
    sim.force = force;
    return sim.call();
  }

  @Override
  public Integer call() {
    List<String> sets = new ArrayList<>(overrides);
    if (dataDir != null) {
      sets.add(ConfigLoader.dataDirOverride(dataDir));
    }
    if (shards != null) {
      if (shards < 1 || shards > 1024) {
        throw new UsageException("--shards " + shards + ": expected 1..1024");
      }
      sets.add("simulation.shards=" + shards);
    }
    dev.starling.app.plugin.Plugins.install(plugins);
    Families families = Families.standard();
    SimConfig cfg = ConfigLoader.load(config, sets, seed, out, families);
    if (printConfig) {
      java.io.PrintWriter o = spec != null ? spec.commandLine().getOut() : new java.io.PrintWriter(System.out, true);
      o.print(RunWriter.renderConfig(cfg.resolved()));
      o.flush();
      return 0;
    }
    AlgorithmFamily family = families.of(cfg.algorithm());
    if (cfg.sharding().count() > 1 && !family.shardable()) {
      throw new UsageException("simulation.shards = " + cfg.sharding().count() + ": algorithm " + cfg.algorithm() + " ("
          + family.name() + ") runs on one JVM only; FL and serverless families can be sharded");
    }
    dev.starling.app.experiment.SimSetup.shardLauncher =
        () -> dev.starling.app.member.LocalCluster.javaCommand(Main.class.getName());
    Path dir = cfg.output().dir() != null ? cfg.output().dir()
        : Paths.get("runs", cfg.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UsageException("--out " + dir + " is a file, not a directory");
    }
    // compare runs this command without picocli, so without a spec
    java.io.PrintWriter warn = spec != null ? spec.commandLine().getErr() : new java.io.PrintWriter(System.err, true);
    for (String w : family.warnings(cfg)) {
      warn.println("starling: warning: " + w);
    }
    List<String> clusterKeys = cfg.userKeys().stream().filter(k -> k.startsWith("cluster.")).toList();
    if (!clusterKeys.isEmpty()) {
      warn.println("starling: warning: " + String.join(", ", clusterKeys) + " " + (clusterKeys.size() == 1 ? "has" : "have")
          + " no effect under simulate (cluster.* configures './starling node')");
    }
    warn.flush();
    switch (RunWriter.state(dir)) {
      case FINISHED -> {
        if (!force) {
          throw new UsageException("output directory " + dir + " already holds a finished run (summary.json); choose another"
              + " --out, or pass --force to replace it");
        }
        RunWriter.clear(dir);
      }
      case UNFINISHED -> {
        if (!force) {
          throw new UsageException("output directory " + dir + " holds an unfinished run (metrics.csv rows, no summary.json:"
              + " killed or failed midway); pass --force to replace it");
        }
        RunWriter.clear(dir);
      }
      case FREE -> {
        if (Files.exists(dir.resolve("metrics.csv"))) {
          RunWriter.clear(dir); // the leftovers of a run that failed before its first round
        }
      }
    }
    PrintStream err = System.err;
    DataLoader.Loaded data = DataLoader.load(cfg, quiet ? line -> { } : err::println);
    int totalRounds = family.rounds(cfg);
    Progress progress = new Progress(totalRounds, quiet ? null : err);
    RunResult result;
    Map<String, Object> summary;
    try (RunWriter writer = new RunWriter(dir)) {
      if (!quiet) {
        err.printf(Locale.ROOT, "%s: %s, %s, %d rounds, %s on %s (%d train / %d test); results in %s%n",
            cfg.name(), cfg.algorithm(), family.nodes(cfg), totalRounds, cfg.model().type(), data.trainName(), data.trainSize(), data.test().size(), dir);
      }
      try {
        result = family.simulate(cfg, data, writer, progress::update);
      } catch (RuntimeException e) {
        writer.discardIfEmpty(); // failed before its first round (e.g. while building the nodes): nothing was computed
        throw e;
      }
      progress.finish();
      summary = writer.finish(result, cfg.resolved(), Provenance.of(cfg.data().dataset(), data.sha256()), cfg.output().plot());
    }
    if (!quiet) {
      printSummary(result, summary);
    } else if (announce) {
      java.io.PrintWriter o = spec != null ? spec.commandLine().getOut() : new java.io.PrintWriter(System.out, true);
      o.println("results: " + dir);
      o.flush();
    }
    if (result.stopReason() != null) {
      err.println("starling: " + result.stopReason());
    }
    if (result.failure() != null) {
      err.println("starling: run failed: " + result.failure() + " (results so far are in " + dir + ")");
      return 1;
    }
    return 0;
  }

  private static void printSummary(RunResult r, Map<String, Object> s) {
    PrintStream o = System.out;
    o.println();
    o.println(String.format(Locale.ROOT, "%-22s %s", "run", r.name()));
    o.println(String.format(Locale.ROOT, "%-22s %s", "algorithm", r.algorithm()));
    o.println(String.format(Locale.ROOT, "%-22s %d", "seed", r.seed()));
    o.println(String.format(Locale.ROOT, "%-22s %d", "rounds", r.rows().size()));
    o.println(String.format(Locale.ROOT, "%-22s %s", "final accuracy", pct(r.finalAccuracy())));
    o.println(String.format(Locale.ROOT, "%-22s %s", "best accuracy", pct(r.bestAccuracy())));
    o.println(String.format(Locale.ROOT, "%-22s %.1f s", "virtual time", r.virtualSeconds()));
    o.println(String.format(Locale.ROOT, "%-22s %.1f s (compute %.1f s)", "wall time", r.wallSeconds(), r.computeSeconds()));
    o.println(String.format(Locale.ROOT, "%-22s %s", "bytes on the network", human(r.bytesTotal())));
    if (r.epsilon() != null) {
      o.println(String.format(Locale.ROOT, "%-22s epsilon %.4g at delta %s (%s)", "privacy", r.epsilon(),
          s.get("delta"), s.get("privacy_mechanism")));
    }
    o.println(String.format(Locale.ROOT, "%-22s %s", "final model sha256", s.get("final_model_sha256")));
    o.println(String.format(Locale.ROOT, "%-22s %s", "results", r.outDir()));
  }

  private static String pct(Double a) {
    return a == null ? "n/a" : String.format(Locale.ROOT, "%.2f %%", a * 100);
  }

  static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }

  /** A one-line progress bar on a terminal; periodic lines otherwise. */
  static final class Progress {
    private final int total;
    private final PrintStream out;
    private final boolean tty = System.console() != null;
    private final Eta eta;
    private int lastPrinted;

    Progress(int total, PrintStream out) {
      this.total = total;
      this.out = out;
      this.eta = new Eta(total);
    }

    void update(MetricsRow row) {
      if (out == null) {
        return;
      }
      double left = eta.update(row.round(), System.nanoTime());
      int width = 24;
      int filled = (int) Math.round((double) row.round() / total * width);
      String bar = "#".repeat(filled) + ".".repeat(width - filled);
      String line = String.format(Locale.ROOT, "[%s] round %d/%d  acc %s  vtime %.1fs%s  eta %s", bar, row.round(), total,
          row.accuracy() == null ? "  -  " : String.format(Locale.ROOT, "%.2f%%", row.accuracy() * 100),
          row.virtualTimeSeconds(), row.epsilon() == null ? "" : String.format(Locale.ROOT, "  eps %.3g", row.epsilon()),
          formatEta(left));
      if (tty) {
        out.print("\r" + line);
        out.flush();
      } else if (row.round() == total || row.round() - lastPrinted >= Math.max(1, total / 20)) {
        out.println(line);
        lastPrinted = row.round();
      }
    }

    void finish() {
      if (out != null && tty) {
        out.println();
      }
    }

    private static String formatEta(double s) {
      if (Double.isNaN(s)) {
        return " -";
      }
      long t = Math.round(s);
      return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
          : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
    }
  }
}
