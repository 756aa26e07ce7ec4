package dev.starling.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starling.app.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Whole-run harness: runs one simulation in this JVM and reports the simulation overhead (wall
 * time divided by the summed wall time of the clients' training jobs) and peak memory.
 *
 * <p>Usage: {@code WholeRunMain CONFIG [--set k=v]...}
 */
public final class WholeRunMain {
  private WholeRunMain() {}

  public static void main(String[] args) throws IOException {
    Path out = Files.createTempDirectory("starling-bench-");
    List<String> cli = new ArrayList<>(List.of("simulate", args[0], "--quiet", "--out", out.resolve("run").toString()));
    cli.addAll(Arrays.asList(args).subList(1, args.length));
    int code = Main.execute(new PrintWriter(System.out), new PrintWriter(System.err), cli.toArray(String[]::new));
    if (code != 0) {
      System.exit(code);
    }
    JsonNode s = new ObjectMapper().readTree(out.resolve("run/summary.json").toFile());
    double wall = s.get("wall_time_s").asDouble();
    double train = s.get("training_compute_time_s").asDouble();
    double all = s.get("compute_time_s").asDouble();
    System.out.println(String.format(Locale.ROOT,
        "config=%s rounds=%d final_accuracy=%.4f wall_s=%.2f training_compute_s=%.2f all_compute_s=%.2f "
            + "overhead_ratio=%.3f peak_heap_MiB=%.0f peak_rss_MiB=%.0f threads=%d",
        args[0], s.get("rounds").asInt(), s.get("final_accuracy").asDouble(), wall, train, all, wall / train,
        s.get("peak_heap_bytes").asDouble() / 1048576, s.get("peak_rss_bytes").asDouble() / 1048576,
        Runtime.getRuntime().availableProcessors()));
  }
}
