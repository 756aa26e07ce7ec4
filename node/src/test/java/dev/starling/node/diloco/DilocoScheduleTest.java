package dev.starling.node.diloco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DilocoScheduleTest {

  @Test
  void fragmentsAreSentStaggeredOncePerH() {
    // H = 12, P = 4: one fragment every 3 steps, fragment p first at o_p = (p + 1) * 3.
    DilocoSchedule s = new DilocoSchedule(12, 4, 2, 0, true);
    int[] sent = new int[25];
    for (int t = 0; t <= 24; t++) { // t = 0 is before the first step: nothing is sent
      sent[t] = s.fragmentSentAt(t);
    }
    assertArrayEquals(new int[] {-1, -1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3},
        sent);
    // P = 1: plain DiLoCo syncs every H steps
    DilocoSchedule plain = new DilocoSchedule(12, 1, 0, 0, true);
    assertEquals(0, plain.fragmentSentAt(12));
    assertEquals(-1, plain.fragmentSentAt(6));
  }

  @Test
  void fragmentsPartitionTheParameters() {
    for (boolean strided : new boolean[] {true, false}) {
      DilocoSchedule s = new DilocoSchedule(8, 4, 0, 0, strided);
      int[] seen = new int[10];
      for (int p = 0; p < 4; p++) {
        for (int i : s.indices(p, 10)) {
          seen[i]++;
        }
      }
      assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, seen);
    }
    assertArrayEquals(new int[] {1, 5, 9}, new DilocoSchedule(8, 4, 0, 0, true).indices(1, 10));
    assertArrayEquals(new int[] {2, 3, 4}, new DilocoSchedule(8, 4, 0, 0, false).indices(1, 10));
  }

  @Test
  void invalidSchedulesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DilocoSchedule(10, 4, 0, 0, true)); // P does not divide H
    assertThrows(IllegalArgumentException.class, () -> new DilocoSchedule(12, 4, 3, 0, true)); // tau >= H/P
    assertThrows(IllegalArgumentException.class, () -> new DilocoSchedule(12, 4, 0, 1.5, true));
  }
}
