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
    /** Tells the coordinator of a held action that it was cancelled (a shard's). */
    private volatile java.util.function.LongConsumer onCancel;
    /** The shard this action only sends a command to, or -1 (see {@link #after(long, int, Runnable)}). */
    private final int shard;

    private Handle(long time, long seq, Runnable action, int shard) {
      this.time = time;
      this.seq = seq;
      this.action = action;
      this.shard = shard;
    }

    /** The shard this action only commands, or -1 for an action that runs here. */
    public int shard() {
      return shard;
    }

    public boolean cancel() {
      boolean was = cancelled;
      cancelled = true;
      java.util.function.LongConsumer tell = onCancel;
      if (!was && tell != null) {
        tell.accept(seq);
      }
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
  public Handle after(long delayNanos, Runnable action) {
    return after(delayNanos, -1, action);
  }

  /**
   * Schedules {@code action}, which does nothing but send one command to shard {@code shard} (a
   * coordinator's: a remote node's timer or delivery), so that actions of this kind due at the
   * same instant may be sent without waiting for each other's replies.
   */
  public synchronized Handle after(long delayNanos, int shard, Runnable action) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("negative delay " + delayNanos);
    }
    Handle h = new Handle(Math.addExact(now, delayNanos), seq++, action, shard);
    if (agenda != null) {
      held.put(h.seq, h);
      agenda.inserted(delayNanos, h.seq);
      h.onCancel = agenda::cancelled;
      return h;
    }
    queue.add(h);
    return h;
  }

  /** Where a shard's insertions go: the coordinator's agenda, which runs them by id at their time. */
  interface Agenda {
    void inserted(long delayNanos, long id);

    void cancelled(long id);
  }

  private Agenda agenda;
  private final java.util.Map<Long, Handle> held = new java.util.HashMap<>();

  /**
   * Makes this the queue of a shard: from now on an action is not kept in order here but held
   * under an id and reported to {@code agenda}; the coordinator, which orders every shard's
   * actions in one agenda, later runs it with {@link #runHeld}. Null restores a local agenda
   * (for the shard's own shutdown).
   */
  synchronized void delegateTo(Agenda agenda) {
    this.agenda = agenda;
  }

  /** Drops the held action {@code id} (it was cancelled and will not be asked for). */
  synchronized void forget(long id) {
    held.remove(id);
  }

  /** Sets the clock (a shard follows the coordinator's); time never goes back. */
  synchronized void advanceTo(long timeNanos) {
    if (timeNanos < now) {
      throw new IllegalStateException("virtual time " + timeNanos + " ns is before now (" + now + " ns)");
    }
    now = timeNanos;
  }

  /** Runs the held action {@code id} at {@code timeNanos} (unless it was cancelled); a shard's side of {@link #runNext}. */
  void runHeld(long id, long timeNanos) {
    Handle h;
    synchronized (this) {
      h = held.remove(id);
      if (h == null) {
        if (id >= 0 && id < seq) {
          // Cancelled after the coordinator had asked for it: a crashed node's timers are cancelled
          // when its actor stops, on Pekko's thread, and that Cancel reaches the coordinator only
          // with a later reply. A cancelled action does nothing, wherever it runs.
          advanceTo(timeNanos);
          return;
        }
        throw new IllegalStateException("no held action " + id);
      }
      if (h.time != timeNanos) {
        throw new IllegalStateException("action " + id + " is due at " + h.time + " ns, asked to run at " + timeNanos);
      }
      advanceTo(timeNanos);
      if (h.cancelled) {
        return;
      }
      executed++;
    }
    h.action.run();
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
    Handle next = pollNext();
    if (next == null) {
      return false;
    }
    next.action.run();
    return true;
  }

  /** The next action that will run (not cancelled), without running it; null when nothing is pending. */
  synchronized Handle peek() {
    while (!queue.isEmpty() && queue.peek().cancelled) {
      queue.poll();
    }
    return queue.peek();
  }

  /** Takes the next action and advances the clock to it; {@link #run} runs it. Null when nothing is pending. */
  synchronized Handle pollNext() {
    Handle next;
    do {
      next = queue.poll();
    } while (next != null && next.cancelled);
    if (next != null) {
      now = next.time;
      executed++;
    }
    return next;
  }

  /** Runs an action {@link #pollNext} took, on the calling thread. */
  static void run(Handle h) {
    h.action.run();
  }

  /** Actions run so far. */
  public synchronized long executed() {
    return executed;
  }
}
