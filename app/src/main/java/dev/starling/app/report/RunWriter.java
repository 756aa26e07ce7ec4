package dev.starling.app.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.starling.node.data.DatasetFetcher;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a run's files: {@code metrics.csv} row by row as rounds complete (flushed, so an
 * interrupted run keeps what it computed), {@code participants.csv}, and at the end
 * {@code config.conf}, {@code summary.json} and {@code accuracy.png}.
 */
public final class RunWriter implements AutoCloseable {

  private final Path dir;
  private final BufferedWriter metrics;
  private final BufferedWriter participants;
  private final boolean createdDir;
  private int rows;
  private BufferedWriter federated;

  public RunWriter(Path dir) {
    this.dir = dir;
    this.createdDir = !Files.exists(dir);
    try {
      Files.createDirectories(dir);
      metrics = Files.newBufferedWriter(dir.resolve("metrics.csv"), StandardCharsets.UTF_8);
      metrics.write(MetricsRow.HEADER);
      metrics.write('\n');
      metrics.flush();
      participants = Files.newBufferedWriter(dir.resolve("participants.csv"), StandardCharsets.UTF_8);
      participants.write("round,attempts,invited,aggregated\n");
      participants.flush();
    } catch (IOException e) {
      throw new dev.starling.node.UserError("--out " + dir + ": cannot write results there (" + e + ")");
    }
  }

  public Path dir() {
    return dir;
  }

  /**
   * Enables {@code privacy-ledger.csv} and {@code epsilon_max_client}: {@code epsilonOf} gives a
   * client's epsilon after a number of rounds it actually took part in (its update aggregated).
   */
  public void clientLedger(java.util.function.LongToDoubleFunction epsilonOf) {
    this.clientEpsilon = epsilonOf;
  }

  private java.util.function.LongToDoubleFunction clientEpsilon;
  /** Rounds each client's update was aggregated in, by client id. */
  private final java.util.TreeMap<Integer, Long> participations = new java.util.TreeMap<>();

  public void row(MetricsRow row, List<Integer> invited, List<Integer> aggregated) {
    rows++;
    for (int c : aggregated) {
      participations.merge(c, 1L, Long::sum);
    }
    try {
      metrics.write(row.toCsv());
      metrics.write('\n');
      metrics.flush();
      participants.write(row.round() + "," + row.attempts() + "," + join(invited) + "," + join(aggregated) + "\n");
      participants.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A row of {@code federated.csv} (written only by runs with federated evaluation): the clients'
   * combined evaluation of the round's global model on their own data.
   */
  public void federated(int round, int asked, int answered, long samples, double accuracy, double loss, double accuracyP10) {
    try {
      if (federated == null) {
        federated = Files.newBufferedWriter(dir.resolve("federated.csv"), StandardCharsets.UTF_8);
        federated.write("round,asked,answered,samples,accuracy,loss,accuracy_p10\n");
      }
      federated.write(String.format(java.util.Locale.ROOT, "%d,%d,%d,%d,%.6f,%.6f,%.6f%n", round, asked, answered, samples,
          accuracy, loss, accuracyP10));
      federated.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The federated row of an FL round, if it has one. */
  public void federated(dev.starling.node.fl.RoundRecord r) {
    if (r.federated() != null) {
      var e = r.federated().evaluation();
      federated(r.round(), r.federated().asked(), r.federated().answered(), e.samples(), e.accuracy(), e.loss(),
          r.federated().accuracyP10());
    }
  }

  private static String join(List<Integer> ids) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < ids.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(ids.get(i));
    }
    return sb.append('"').toString();
  }

  /** Writes {@code devices.csv}: each node's modelled speed and whether it is a straggler. */
  public void devices(dev.starling.simulator.runtime.DeviceModel devices, int[] localSamples) {
    StringBuilder sb = new StringBuilder("node,gflops,slow,local_samples\n");
    for (int id = 0; id < devices.size(); id++) {
      sb.append(id).append(',').append(String.format(java.util.Locale.ROOT, "%.4f", devices.flopsPerSecond(id) / 1e9))
          .append(',').append(devices.isSlow(id)).append(',').append(localSamples[id]).append('\n');
    }
    try {
      Files.writeString(dir.resolve("devices.csv"), sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code name} atomically (a temporary file, then a rename): magic "STRL", format 1, round,
   * length, then the parameters as little-endian float32. A crash mid-write leaves the previous one.
   */
  public void checkpoint(String name, int round, float[] params) {
    ByteBuffer b = ByteBuffer.allocate(16 + params.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'S').put((byte) 'T').put((byte) 'R').put((byte) 'L').putInt(1).putInt(round).putInt(params.length);
    b.asFloatBuffer().put(params);
    Path tmp = dir.resolve(name + ".tmp");
    try {
      Files.write(tmp, b.array());
      Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + name + ": " + e.getMessage(), e);
    }
  }

  /** Reads a checkpoint written by {@link #checkpoint}: {round, params}. */
  public static Object[] readCheckpoint(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < 16 || b.get() != 'S' || b.get() != 'T' || b.get() != 'R' || b.get() != 'L' || b.getInt() != 1) {
      throw new IOException(file + " is not a Starling checkpoint");
    }
    int round = b.getInt();
    int n = b.getInt();
    if (n < 0 || b.remaining() != n * 4L) {
      throw new IOException(file + " is truncated");
    }
    float[] p = new float[n];
    b.asFloatBuffer().get(p);
    return new Object[] {round, p};
  }

  /** The resolved config as run, minus nothing; returns its SHA-256 excluding {@code output}. */
  public static String renderConfig(Config resolved) {
    return resolved.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false)
        .setJson(false).setFormatted(true));
  }

  public static String configSha256(Config resolved) {
    return DatasetFetcher.sha256(renderConfig(resolved.withoutPath("output")).getBytes(StandardCharsets.UTF_8));
  }

  /** SHA-256 of the parameters as little-endian float32 bytes. */
  public static String modelSha256(float[] params) {
    ByteBuffer b = ByteBuffer.allocate(params.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(params);
    return DatasetFetcher.sha256(b.array());
  }

  /** Writes privacy-ledger.csv (client, participations, epsilon); returns the largest epsilon (0 for none). */
  private double writeClientLedger() {
    java.util.Map<Long, Double> byCount = new java.util.HashMap<>(); // the same count, the same epsilon
    double max = 0;
    StringBuilder csv = new StringBuilder("client,participations,epsilon\n");
    for (var e : participations.entrySet()) {
      double eps = byCount.computeIfAbsent(e.getValue(), clientEpsilon::applyAsDouble);
      max = Math.max(max, eps);
      csv.append(e.getKey()).append(',').append(e.getValue()).append(',')
          .append(String.format(java.util.Locale.ROOT, "%.6f", eps)).append('\n');
    }
    try {
      Files.writeString(dir.resolve("privacy-ledger.csv"), csv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("privacy-ledger.csv") + ": " + e.getMessage(), e);
    }
    return max;
  }

  /** Writes config.conf, summary.json and (optionally) accuracy.png. */
  public Map<String, Object> finish(RunResult r, Config resolved, Map<String, Object> provenance, boolean plot) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", r.name());
    s.put("algorithm", r.algorithm());
    s.put("seed", r.seed());
    s.put("rounds", r.rows().size());
    s.put("status", r.failure() != null ? "failed" : r.stopReason() != null ? "stopped" : "completed");
    if (r.failure() != null) {
      s.put("failure", r.failure());
    }
    if (r.stopReason() != null) {
      s.put("stop_reason", r.stopReason());
    }
    s.put("final_accuracy", r.finalAccuracy());
    s.put("best_accuracy", r.bestAccuracy());
    s.put("virtual_time_s", r.virtualSeconds());
    s.put("wall_time_s", r.wallSeconds());
    s.put("compute_time_s", r.computeSeconds());
    s.put("training_compute_time_s", r.trainingComputeSeconds());
    s.put("peak_heap_bytes", ResourceUsage.peakHeapBytes());
    s.put("peak_rss_bytes", ResourceUsage.peakRssBytes());
    s.put("bytes_total", r.bytesTotal());
    s.put("epsilon", r.epsilon());
    s.put("delta", r.epsilon() == null ? null : resolved.getDouble("privacy.delta"));
    s.put("privacy_mechanism", resolved.getString("privacy.mechanism"));
    if (r.extras() != null) {
      s.putAll(r.extras());
    }
    if (clientEpsilon != null) {
      s.put("epsilon_max_client", writeClientLedger());
    }
    s.put("config_sha256", configSha256(resolved));
    s.put("final_model_sha256", r.finalParams() == null ? null : modelSha256(r.finalParams()));
    s.put("provenance", provenance);
    try {
      Files.writeString(dir.resolve("config.conf"), renderConfig(resolved), StandardCharsets.UTF_8);
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("summary.json").toFile(), s);
      if (plot && !r.rows().isEmpty()) {
        AccuracyPlot.write(r, dir.resolve("accuracy.png"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write results to " + dir + ": " + e.getMessage(), e);
    }
    return s;
  }

  /**
   * A run that stopped before its first row (bad input found while building the nodes) leaves
   * nothing behind: its files are removed, and the directory if this writer made it, so the same
   * {@code --out} can be used again once the input is fixed.
   */
  /** The files a run writes into its directory (nothing else there is touched). */
  public static final List<String> RUN_FILES = List.of("metrics.csv", "participants.csv", "devices.csv", "failures.csv",
      "federated.csv", "privacy-ledger.csv", "summary.json", "config.conf", "accuracy.png");

  /** What a run directory holds. */
  public enum State {
    /** No run, or one that failed before its first row: free to use. */
    FREE,
    /** Rows without a summary: the run was killed or failed midway. */
    UNFINISHED,
    /** A summary: the run ended. */
    FINISHED
  }

  public static State state(Path dir) {
    if (Files.exists(dir.resolve("summary.json"))) {
      return State.FINISHED;
    }
    Path m = dir.resolve("metrics.csv");
    try {
      // Free only if nothing is there, or exactly the header a run writes before its first round.
      return !Files.exists(m) || Files.readString(m, StandardCharsets.UTF_8).equals(MetricsRow.HEADER + "\n") ? State.FREE
          : State.UNFINISHED;
    } catch (IOException | UncheckedIOException e) {
      return State.UNFINISHED;
    }
  }

  /** Deletes the run files of {@code dir} ({@link #RUN_FILES}), leaving anything else. */
  public static void clear(Path dir) {
    try {
      for (String f : RUN_FILES) {
        Files.deleteIfExists(dir.resolve(f));
      }
    } catch (IOException e) {
      throw new dev.starling.node.UserError("--out " + dir + ": cannot remove the earlier run (" + e.getMessage() + ")");
    }
  }

  public void discardIfEmpty() {
    if (rows > 0) {
      return;
    }
    try {
      close();
      for (String f : List.of("metrics.csv", "participants.csv", "devices.csv", "failures.csv")) {
        Files.deleteIfExists(dir.resolve(f));
      }
      if (createdDir) {
        try (var rest = Files.list(dir)) {
          if (rest.findAny().isEmpty()) {
            Files.delete(dir);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      metrics.close();
      participants.close();
      if (federated != null) {
        federated.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
