package dev.starling.app.report;

import dev.starling.node.fl.RoundRecord;
import java.util.Locale;

/**
 * One line of {@code metrics.csv}. Nothing wall-clock goes here, so the file is byte-identical
 * across runs with the same config and seed. Byte and message counts are cumulative.
 * {@code accuracy} is that of what a user would deploy: the global model (FL, DiLoCo) or the
 * aggregated model (MoDeST); for DL, where every node has its own model, it is the mean over the
 * online nodes and {@code accuracyMin} the minimum. Bytes are split by kind: model transfers,
 * MoDeST views, control messages; {@code online} counts the nodes online at the row's time.
 */
public record MetricsRow(
    int round, double virtualTimeSeconds, Double accuracy, Double loss, double trainLoss, int participants,
    int invited, int attempts, long bytesUp, long bytesDown, long bytesTotal, long messages, Double epsilon,
    Double accuracyMin, long bytesModel, long bytesView, long bytesControl, int online, Double stalenessMean,
    Integer stalenessMax, Double fedAccuracy, Double fedAccuracyP10) {

  public static final String HEADER =
      "round,virtual_time_s,accuracy,loss,train_loss,participants,invited,attempts,bytes_up,bytes_down,bytes_total,messages,epsilon,"
          + "accuracy_min,bytes_model,bytes_view,bytes_control,online,staleness_mean,staleness_max,fed_accuracy,fed_accuracy_p10";

  /** A row without federated evaluation. */
  public MetricsRow(int round, double virtualTimeSeconds, Double accuracy, Double loss, double trainLoss, int participants,
      int invited, int attempts, long bytesUp, long bytesDown, long bytesTotal, long messages, Double epsilon,
      Double accuracyMin, long bytesModel, long bytesView, long bytesControl, int online, Double stalenessMean,
      Integer stalenessMax) {
    this(round, virtualTimeSeconds, accuracy, loss, trainLoss, participants, invited, attempts, bytesUp, bytesDown, bytesTotal,
        messages, epsilon, accuracyMin, bytesModel, bytesView, bytesControl, online, stalenessMean, stalenessMax, null, null);
  }

  /**
   * This row with the nodes' own evaluation: the sample-weighted mean accuracy over the nodes that
   * scored the round's model on their held-out data, and the 10th percentile of their accuracies.
   */
  public MetricsRow withFederated(double mean, double p10) {
    return new MetricsRow(round, virtualTimeSeconds, accuracy, loss, trainLoss, participants, invited, attempts, bytesUp,
        bytesDown, bytesTotal, messages, epsilon, accuracyMin, bytesModel, bytesView, bytesControl, online, stalenessMean,
        stalenessMax, mean, p10);
  }

  /** A row without staleness (every family but FedBuff). */
  public MetricsRow(int round, double virtualTimeSeconds, Double accuracy, Double loss, double trainLoss, int participants,
      int invited, int attempts, long bytesUp, long bytesDown, long bytesTotal, long messages, Double epsilon,
      Double accuracyMin, long bytesModel, long bytesView, long bytesControl, int online) {
    this(round, virtualTimeSeconds, accuracy, loss, trainLoss, participants, invited, attempts, bytesUp, bytesDown, bytesTotal,
        messages, epsilon, accuracyMin, bytesModel, bytesView, bytesControl, online, null, null, null, null);
  }

  /** Cumulative traffic at a row's time, from whichever runtime measured it. */
  public record Traffic(long up, long down, long total, long messages, long model, long view, long control) {}

  /** The row of a completed FL round (the simulator's and the cluster server's). */
  public static MetricsRow ofRound(RoundRecord r, double time, Traffic t, int online) {
    return new MetricsRow(r.round(), time, r.evaluation() == null ? null : r.evaluation().accuracy(),
        r.evaluation() == null ? null : r.evaluation().loss(), r.trainLoss(), r.aggregated().size(), r.invited().size(),
        r.attempts(), t.up(), t.down(), t.total(), t.messages(), r.epsilon(), null, t.model(), t.view(), t.control(), online,
        r.staleness() == null ? null : r.staleness().mean(), r.staleness() == null ? null : r.staleness().max(),
        r.federated() == null ? null : r.federated().evaluation().accuracy(),
        r.federated() == null ? null : r.federated().accuracyP10());
  }

  public String toCsv() {
    return String.format(Locale.ROOT, "%d,%.6f,%s,%s,%.6f,%d,%d,%d,%d,%d,%d,%d,%s,%s,%d,%d,%d,%d,%s,%s,%s,%s", round, virtualTimeSeconds,
        accuracy == null ? "" : String.format(Locale.ROOT, "%.6f", accuracy),
        loss == null ? "" : String.format(Locale.ROOT, "%.6f", loss),
        trainLoss, participants, invited, attempts, bytesUp, bytesDown, bytesTotal, messages,
        epsilon == null ? "" : String.format(Locale.ROOT, "%.6f", epsilon),
        accuracyMin == null ? "" : String.format(Locale.ROOT, "%.6f", accuracyMin), bytesModel, bytesView, bytesControl,
        online, stalenessMean == null ? "" : String.format(Locale.ROOT, "%.6f", stalenessMean),
        stalenessMax == null ? "" : stalenessMax.toString(), opt(fedAccuracy), opt(fedAccuracyP10));
  }

  private static String opt(Double v) {
    return v == null ? "" : String.format(Locale.ROOT, "%.6f", v);
  }
}
