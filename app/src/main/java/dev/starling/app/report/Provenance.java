package dev.starling.app.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Where a result came from: software version, source commit, machine, dataset. */
public final class Provenance {
  private Provenance() {}

  public static String version() {
    String v = Provenance.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  /** The git commit of the checkout the launcher runs from, or "unknown". */
  public static String gitCommit() {
    String home = System.getProperty("starling.home");
    Path dir = home == null ? Paths.get(".") : Paths.get(home);
    try {
      Process p = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "HEAD").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]{40}")) {
        return out;
      }
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown";
  }

  public static Map<String, Object> of(String dataset, String datasetSha256) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("starling_version", version());
    m.put("git_commit", gitCommit());
    m.put("dataset", dataset);
    m.put("dataset_sha256", datasetSha256);
    m.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("engine_kernels", dev.starling.node.learning.engine.EngineModel.kernels());
    m.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
    m.put("created_utc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }
}
