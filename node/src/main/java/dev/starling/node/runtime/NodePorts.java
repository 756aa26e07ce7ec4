package dev.starling.node.runtime;

/**
 * Everything a role may use to talk to the world. Timers are Pekko's own
 * ({@code Behaviors.withTimers}); the runtime makes them virtual in simulation.
 */
public record NodePorts(int id, Network network, Compute compute, Clock clock) {}
