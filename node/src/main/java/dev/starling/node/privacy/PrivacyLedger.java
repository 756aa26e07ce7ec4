package dev.starling.node.privacy;

import dev.starling.privacy.rdp.RdpAccountant;
import dev.starling.privacy.rdp.RdpCurve;

/**
 * The server's privacy ledger: the (epsilon, delta) every client has spent after r rounds, for the
 * worst-case client (one taking part whenever sampling allows). The cost of a round does not
 * depend on the data, so the ledger can also say what one more round would cost, which is how a
 * budget stops training at the last round within it.
 */
public final class PrivacyLedger {

  private final RdpCurve round;
  private final double roundPure;
  private final double delta;

  public PrivacyLedger(RdpCurve round, double roundPureEpsilon, double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    this.round = round;
    this.roundPure = roundPureEpsilon;
    this.delta = delta;
  }

  public double delta() {
    return delta;
  }

  /** Epsilon after {@code rounds} rounds (0 for none). */
  public double epsilonAfter(long rounds) {
    if (rounds <= 0) {
      return 0;
    }
    RdpAccountant acc = new RdpAccountant();
    if (Double.isFinite(roundPure)) {
      acc.compose(round, roundPure, rounds);
    } else {
      acc.compose(round, rounds);
    }
    return acc.epsilon(delta).epsilon();
  }
}
