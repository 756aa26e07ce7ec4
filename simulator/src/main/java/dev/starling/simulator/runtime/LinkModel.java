package dev.starling.simulator.runtime;

import java.util.SplittableRandom;

/**
 * Latency, bandwidth and loss of the simulated network. Each message takes
 * {@code bytes / uplink(sender)} to leave the sender (queued behind the sender's earlier
 * messages), the link latency to cross, and {@code bytes / downlink(receiver)} to arrive (queued
 * behind the receiver's earlier arrivals).
 */
public interface LinkModel {

  /** One-way latency in seconds of a message from {@code from} to {@code to}. */
  double latencySeconds(int from, int to, SplittableRandom rng);

  /** Upload bandwidth of node {@code id} in bytes per second. */
  double uplinkBytesPerSecond(int id);

  /** Download bandwidth of node {@code id} in bytes per second. */
  double downlinkBytesPerSecond(int id);

  /** Probability that a message is lost. */
  double lossProbability();
}
