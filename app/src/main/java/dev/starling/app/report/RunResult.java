package dev.starling.app.report;

import java.nio.file.Path;
import java.util.List;

/**
 * What a finished (or failed) simulation leaves: its rows, the final parameters and timing.
 *
 * @param computeSeconds wall time spent inside compute jobs (training and evaluation), summed
 * @param trainingComputeSeconds the part of it spent in jobs with a modelled cost (training)
 * @param failure null on success, else a one-line reason
 * @param stopReason why training ended before the configured rounds (a privacy budget), or null
 */
public record RunResult(
    String name, String algorithm, long seed, List<MetricsRow> rows, float[] finalParams, double wallSeconds,
    double computeSeconds, double trainingComputeSeconds, Path outDir, String failure, String stopReason,
    java.util.Map<String, Object> extras) {

  public Double finalAccuracy() {
    for (int i = rows.size() - 1; i >= 0; i--) {
      if (rows.get(i).accuracy() != null) {
        return rows.get(i).accuracy();
      }
    }
    return null;
  }

  public Double bestAccuracy() {
    return rows.stream().map(MetricsRow::accuracy).filter(a -> a != null).max(Double::compare).orElse(null);
  }

  public double virtualSeconds() {
    return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).virtualTimeSeconds();
  }

  public Double epsilon() {
    return rows.isEmpty() ? null : rows.get(rows.size() - 1).epsilon();
  }

  public long bytesTotal() {
    return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).bytesTotal();
  }
}
