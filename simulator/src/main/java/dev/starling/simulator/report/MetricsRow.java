package dev.starling.simulator.report;

import java.util.Locale;

/**
 * One line of {@code metrics.csv}. Nothing wall-clock goes here, so the file is byte-identical
 * across runs with the same config and seed. Byte and message counts are cumulative.
 */
public record MetricsRow(
    int round, double virtualTimeSeconds, Double accuracy, Double loss, double trainLoss, int participants,
    int invited, int attempts, long bytesUp, long bytesDown, long bytesTotal, long messages, Double epsilon) {

  public static final String HEADER =
      "round,virtual_time_s,accuracy,loss,train_loss,participants,invited,attempts,bytes_up,bytes_down,bytes_total,messages,epsilon";

  public String toCsv() {
    return String.format(Locale.ROOT, "%d,%.6f,%s,%s,%.6f,%d,%d,%d,%d,%d,%d,%d,%s", round, virtualTimeSeconds,
        accuracy == null ? "" : String.format(Locale.ROOT, "%.6f", accuracy),
        loss == null ? "" : String.format(Locale.ROOT, "%.6f", loss),
        trainLoss, participants, invited, attempts, bytesUp, bytesDown, bytesTotal, messages,
        epsilon == null ? "" : String.format(Locale.ROOT, "%.6f", epsilon));
  }
}
