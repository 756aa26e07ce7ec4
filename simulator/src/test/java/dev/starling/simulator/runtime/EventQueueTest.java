package dev.starling.simulator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventQueueTest {

  @Test
  void runsInTimeThenInsertionOrderAndAdvancesTheClock() {
    EventQueue q = new EventQueue();
    List<String> log = new ArrayList<>();
    q.after(200, () -> log.add("b@" + q.nowNanos()));
    q.after(100, () -> log.add("a@" + q.nowNanos()));
    q.after(200, () -> log.add("c@" + q.nowNanos()));
    EventQueue.Handle cancelled = q.after(150, () -> log.add("never"));
    cancelled.cancel();
    q.after(100, () -> q.after(0, () -> log.add("nested@" + q.nowNanos())));
    while (q.runNext()) {
      // drain
    }
    assertEquals(List.of("a@100", "nested@100", "b@200", "c@200"), log);
    assertEquals(200, q.nowNanos());
    assertFalse(q.hasPending());
    assertThrows(IllegalArgumentException.class, () -> q.after(-1, () -> { }));
  }
}
