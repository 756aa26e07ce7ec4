package dev.starling.simulator.runtime;

import com.typesafe.config.Config;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.event.LoggingAdapter;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * A Pekko scheduler on virtual time: timers become actions in the simulation's
 * {@link EventQueue} and fire only when the driver reaches their time. Unlike Pekko's
 * {@code ExplicitlyTriggeredScheduler} (ManualTime) it neither sleeps per step nor re-sorts every
 * timer, so it scales to many nodes. Enabled with
 * {@code pekko.scheduler.implementation = "dev.starling.simulator.runtime.VirtualTimeScheduler"}.
 */
public final class VirtualTimeScheduler implements Scheduler {

  private final EventQueue queue = new EventQueue();

  /** The constructor signature Pekko instantiates schedulers with. */
  public VirtualTimeScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {}

  public EventQueue queue() {
    return queue;
  }

  @Override
  public Cancellable scheduleOnce(FiniteDuration delay, Runnable runnable, ExecutionContext ec) {
    EventQueue.Handle h = queue.after(Math.max(0, delay.toNanos()), () -> ec.execute(runnable));
    return new Cancellable() {
      @Override
      public boolean cancel() {
        return h.cancel();
      }

      @Override
      public boolean isCancelled() {
        return h.isCancelled();
      }
    };
  }

  @Override
  public Cancellable schedule(
      FiniteDuration initialDelay, FiniteDuration interval, Runnable runnable, ExecutionContext ec) {
    long period = interval.toNanos();
    if (period <= 0) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    AtomicReference<EventQueue.Handle> current = new AtomicReference<>();
    Cancellable c = new Cancellable() {
      private volatile boolean cancelled;

      @Override
      public boolean cancel() {
        boolean was = cancelled;
        cancelled = true;
        EventQueue.Handle h = current.get();
        if (h != null) {
          h.cancel();
        }
        return !was;
      }

      @Override
      public boolean isCancelled() {
        return cancelled;
      }
    };
    Runnable[] tick = new Runnable[1];
    tick[0] = () -> {
      if (c.isCancelled()) {
        return;
      }
      ec.execute(runnable);
      current.set(queue.after(period, tick[0]));
    };
    current.set(queue.after(Math.max(0, initialDelay.toNanos()), tick[0]));
    return c;
  }

  @Override
  public double maxFrequency() {
    return 1e9;
  }
}
