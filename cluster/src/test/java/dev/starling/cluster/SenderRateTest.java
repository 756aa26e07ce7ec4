package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SenderRateTest {

  @Test
  void aFloodingSenderLosesItsExcessAndTheOthersNothing() {
    Endpoint.SenderRate rate = new Endpoint.SenderRate();
    long t = 1_000_000_000L;
    int passed = 0;
    for (int i = 0; i < 50_000; i++) { // 50k frames at once from node 3
      if (rate.allow(3, t)) {
        passed++;
      }
    }
    assertEquals((int) Endpoint.BURST, passed);
    assertTrue(rate.allow(1, t), "another sender has its own bucket");
    assertFalse(rate.allow(3, t));
    t += 500_000_000L; // half a second refills 1000
    passed = 0;
    for (int i = 0; i < 5000; i++) {
      if (rate.allow(3, t)) {
        passed++;
      }
    }
    assertEquals((int) (Endpoint.FRAMES_PER_S / 2), passed);
  }
}
