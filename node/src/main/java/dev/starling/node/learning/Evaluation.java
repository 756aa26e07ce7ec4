package dev.starling.node.learning;

/** Accuracy (fraction correct) and mean cross-entropy loss of a model on some samples. */
public record Evaluation(double accuracy, double loss, int samples) {

  /**
   * The {@code q}-quantile (0 < q <= 1) of the accuracies, nearest rank: the smallest accuracy at
   * least a share q of them do not exceed. NaN for none.
   */
  public static double accuracyQuantile(java.util.Collection<Evaluation> evaluations, double q) {
    double[] a = evaluations.stream().mapToDouble(Evaluation::accuracy).sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * a.length - 1e-9);
    return a[Math.max(0, Math.min(a.length, rank) - 1)];
  }

  /** Sample-weighted mean accuracy and loss of several evaluations (samples summed). */
  public static Evaluation weightedMean(java.util.Collection<Evaluation> evaluations) {
    double acc = 0;
    double loss = 0;
    long n = 0;
    for (Evaluation e : evaluations) {
      acc += e.accuracy() * e.samples();
      loss += e.loss() * e.samples();
      n += e.samples();
    }
    return n == 0 ? null : new Evaluation(acc / n, loss / n, (int) Math.min(Integer.MAX_VALUE, n));
  }
}
