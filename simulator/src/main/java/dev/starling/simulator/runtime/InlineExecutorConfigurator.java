package dev.starling.simulator.runtime;

import com.typesafe.config.Config;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * The executor of the simulator's node dispatcher: it runs a mailbox on the thread that scheduled
 * it, so a delivery runs the receiver's handler on the driver thread, to completion, before the
 * driver takes the next event. A mailbox already running on this thread (a node messaging itself,
 * or two nodes answering each other) is not re-entered: Pekko's mailbox keeps the message and
 * processes it when the running handler returns. This is what makes the simulator single-threaded
 * and deterministic without shipping Pekko's test kit in the product.
 */
public final class InlineExecutorConfigurator extends ExecutorServiceConfigurator {

  public InlineExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    return InlineExecutor::new;
  }

  /** Runs every task at once on the caller's thread. */
  static final class InlineExecutor extends AbstractExecutorService {
    private volatile boolean shutdown;

    @Override
    public void execute(Runnable task) {
      task.run();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
