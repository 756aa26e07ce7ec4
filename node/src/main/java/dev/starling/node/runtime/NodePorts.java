package dev.starling.node.runtime;

/**
 * Everything a role may use to talk to the world. Timers are Pekko's own
 * ({@code Behaviors.withTimers}); the runtime makes them virtual in simulation. {@code storage}
 * is what survives the node's crash (see {@link Storage}).
 */
public record NodePorts(int id, Network network, Compute compute, Clock clock, Storage storage) {

  /** Ports of a node that keeps nothing across a crash. */
  public NodePorts(int id, Network network, Compute compute, Clock clock) {
    this(id, network, compute, clock, Storage.NONE);
  }
}
