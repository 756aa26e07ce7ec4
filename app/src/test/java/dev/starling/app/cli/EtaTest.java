package dev.starling.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The progress line's time left: from the rounds' own pace, not the setup, and steady. */
class EtaTest {

  private static final long S = 1_000_000_000L;

  @Test
  void setupBeforeTheFirstRoundIsLeftOut() {
    Eta eta = new Eta(10);
    assertTrue(Double.isNaN(eta.update(1, 30 * S)), "no pace yet after one round (30 s of setup)");
    assertEquals(8.0, eta.update(2, 31 * S), 1e-9); // 1 s per round, 8 rounds left
    assertEquals(7.0, eta.update(3, 32 * S), 1e-9);
  }

  @Test
  void oneSlowRoundMovesTheEstimateAThird() {
    Eta eta = new Eta(100);
    long t = 0;
    for (int r = 1; r <= 20; r++) {
      t += S;
      eta.update(r, t);
    }
    double steady = eta.update(21, t + S);
    assertEquals(79.0, steady, 1e-6);
    double after = eta.update(22, t + S + 11 * S); // one 10x slower round (an evaluation, a GC)
    assertEquals(78 * (0.7 * 1 + 0.3 * 11), after, 1e-6);
    assertTrue(after < 78 * 11 / 2.0, "far from the slow round's own pace");
    Eta last = new Eta(3);
    last.update(1, S);
    last.update(2, 2 * S);
    assertEquals(0.0, last.update(3, 3 * S), 1e-9, "nothing left after the last round");
  }
}
