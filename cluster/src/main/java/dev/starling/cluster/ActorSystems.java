package dev.starling.cluster;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;

/** Stopping an actor system the same way everywhere: terminate, then wait a bounded time. */
public final class ActorSystems {

  private ActorSystems() {}

  /** Terminates {@code system} (a cluster member leaves first) and waits up to {@code timeout}; false if it did not stop. */
  public static boolean stop(ActorSystem<?> system, Duration timeout) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }
}
