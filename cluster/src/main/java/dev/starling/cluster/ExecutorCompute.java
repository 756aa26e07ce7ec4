package dev.starling.cluster;

import dev.starling.node.runtime.Compute;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The compute port of a real node: jobs run on a fixed pool of daemon threads and complete when
 * they are done (the modelled cost is ignored). Jobs submitted after {@link #close()} are dropped,
 * as a crashed machine's would be.
 */
public final class ExecutorCompute implements Compute, AutoCloseable {

  private final ExecutorService pool;

  public ExecutorCompute(int threads) {
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "starling-compute-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public <T> void submit(double flops, Callable<T> job, BiConsumer<T, Throwable> onDone) {
    try {
      pool.execute(() -> {
        T result;
        try {
          result = job.call();
        } catch (Throwable t) {
          onDone.accept(null, t);
          return;
        }
        onDone.accept(result, null);
      });
    } catch (RejectedExecutionException shutDown) {
      // closing: the job would never be used
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
