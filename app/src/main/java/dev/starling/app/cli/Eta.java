package dev.starling.app.cli;

/**
 * Time left in a run from the wall time between completed rounds: the setup before round 1 (data,
 * nodes, JIT warm-up) is left out, and per-round times are smoothed (exponentially, weight 0.3 for
 * the newest) so that one slow round, an evaluated one say, does not make the estimate jump. The
 * estimate used to be the elapsed time per round so far, which counted the setup into every round:
 * "eta 0m35s" after the first of five rounds of a run that ended 4 s later.
 */
final class Eta {
  private final int total;
  private long lastNanos = -1;
  private int lastRound;
  private double perRound = -1;

  Eta(int total) {
    this.total = total;
  }

  /** Records that {@code round} completed at {@code nanos}; returns the seconds left, or NaN before two rounds. */
  double update(int round, long nanos) {
    if (lastNanos >= 0 && round > lastRound) {
      double d = (nanos - lastNanos) / 1e9 / (round - lastRound);
      perRound = perRound < 0 ? d : 0.7 * perRound + 0.3 * d;
    }
    if (round > lastRound || lastNanos < 0) {
      lastNanos = nanos;
      lastRound = round;
    }
    return perRound < 0 ? Double.NaN : perRound * Math.max(0, total - round);
  }
}
