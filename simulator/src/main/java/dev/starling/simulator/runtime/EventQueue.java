package dev.starling.simulator.runtime;

import java.util.PriorityQueue;

/**
 * The simulation's clock and agenda: actions to run at virtual times, executed in order of
 * (time, insertion sequence) by one driver thread. Because only the driver thread runs actions
 * and node actors run on the inline dispatcher, insertions by node code happen in a
 * deterministic order, so ties are broken deterministically. Pekko's own internal timers may be
 * added from other threads; they never touch node actors.
 */
public final class EventQueue {

  /** A scheduled action that can be cancelled before it runs. */
  public static final class Handle {
    private final long time;
    private final long seq;
    private final Runnable action;
    private volatile boolean cancelled;

    private Handle(long time, long seq, Runnable action) {
      this.time = time;
      this.seq = seq;
      this.action = action;
    }

    public boolean cancel() {
      boolean was = cancelled;
      cancelled = true;
      return !was;
    }

    public boolean isCancelled() {
      return cancelled;
    }

    public long timeNanos() {
      return time;
    }
  }

  private final PriorityQueue<Handle> queue =
      new PriorityQueue<>((a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;
  private long executed;

  /** Current virtual time in nanoseconds. */
  public synchronized long nowNanos() {
    return now;
  }

  public double nowSeconds() {
    return nowNanos() / 1e9;
  }

  /** Schedules {@code action} at {@code delayNanos} (>= 0) after now. */
  public synchronized Handle after(long delayNanos, Runnable action) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("negative delay " + delayNanos);
    }
    Handle h = new Handle(Math.addExact(now, delayNanos), seq++, action);
    queue.add(h);
    return h;
  }

  /** Whether any uncancelled action is pending. */
  public synchronized boolean hasPending() {
    while (!queue.isEmpty() && queue.peek().cancelled) {
      queue.poll();
    }
    return !queue.isEmpty();
  }

  /**
   * Advances the clock to the next action and runs it on the calling thread.
   *
   * @return false when nothing is pending
   */
  public boolean runNext() {
    Handle next;
    synchronized (this) {
      do {
        next = queue.poll();
      } while (next != null && next.cancelled);
      if (next == null) {
        return false;
      }
      now = next.time;
      executed++;
    }
    next.action.run();
    return true;
  }

  /** Actions run so far. */
  public synchronized long executed() {
    return executed;
  }
}
