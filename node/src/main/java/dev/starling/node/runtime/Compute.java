package dev.starling.node.runtime;

import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * The compute port: runs a job (local training, evaluation) off the actor and hands its result
 * back. In the simulator the job runs on a worker pool but completes at a virtual time modelled
 * from its cost and the node's device profile; in the cluster it completes when it is done.
 */
public interface Compute {

  /**
   * @param flops the modelled cost of the job (0 for jobs that take no modelled time)
   * @param job the work; must not touch actor state
   * @param onDone called once with the result or the failure; it should only send a message to the
   *     actor (it may run on another thread)
   */
  <T> void submit(double flops, Callable<T> job, BiConsumer<T, Throwable> onDone);
}
