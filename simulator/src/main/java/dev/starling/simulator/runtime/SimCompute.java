package dev.starling.simulator.runtime;

import dev.starling.node.runtime.Compute;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The simulator's compute port. A job starts at once on a shared worker pool (so the jobs of many
 * nodes run in parallel in wall time) but its result is delivered by the driver at
 * {@code now + modelled seconds}; the driver waits for the job only if it reaches that virtual
 * time first. The time is modelled from the job's FLOPs and the node's {@link DeviceModel}.
 */
public final class SimCompute implements AutoCloseable {

  private final EventQueue queue;
  private final DeviceModel devices;
  private final ExecutorService pool;
  private final AtomicLong busyNanos = new AtomicLong();
  private final AtomicLong trainingBusyNanos = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();

  public SimCompute(EventQueue queue, DeviceModel devices, int threads) {
    this.queue = queue;
    this.devices = devices;
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "starling-compute");
      t.setDaemon(true);
      return t;
    });
  }

  /** The port for node {@code id}. */
  public Compute forNode(int id) {
    return new Compute() {
      @Override
      public <T> void submit(double flops, Callable<T> job, BiConsumer<T, Throwable> onDone) {
        if (pool.isShutdown()) {
          return; // the run is over; events still drained at shutdown start no work
        }
        Future<T> f = pool.submit(() -> {
          long t0 = System.nanoTime();
          try {
            return job.call();
          } finally {
            long spent = System.nanoTime() - t0;
            busyNanos.addAndGet(spent);
            if (flops > 0) {
              trainingBusyNanos.addAndGet(spent);
            }
            jobs.incrementAndGet();
          }
        });
        long delay = Math.round(devices.seconds(id, flops) * 1e9);
        queue.after(delay, () -> {
          if (pool.isShutdown() && !f.isDone()) {
            return; // the run is over: shutdownNow dropped the job, which will never complete
          }
          T result;
          try {
            result = f.get();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            onDone.accept(null, e);
            return;
          } catch (ExecutionException e) {
            onDone.accept(null, e.getCause());
            return;
          }
          onDone.accept(result, null);
        });
      }
    };
  }

  /** Wall-clock seconds spent inside jobs, summed over workers. */
  public double busySeconds() {
    return busyNanos.get() / 1e9;
  }

  /** Wall-clock seconds spent inside jobs with a modelled cost (training, not evaluation). */
  public double trainingBusySeconds() {
    return trainingBusyNanos.get() / 1e9;
  }

  public long jobsRun() {
    return jobs.get();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
