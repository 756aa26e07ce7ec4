package dev.starling.aggregator;

import java.util.Map;

/**
 * The server-side step of the FedOpt family (Reddi et al. 2021): turns the aggregated client
 * update {@code delta = mean(local - global)} into a change of the global parameters.
 *
 * <p>Implementations keep their own state (momentum, second moments) across rounds; that state
 * is exposed for checkpoints through {@link #state()} and {@link #restore(Map)}.
 */
public interface ServerOptimizer {

  /** Updates {@code params} in place with the aggregated update {@code delta}. */
  void step(float[] params, float[] delta);

  /** A short, stable name used in configs and reports. */
  String name();

  /** Copies of the state vectors, by name, in a stable order (empty when stateless). */
  default Map<String, float[]> state() {
    return Map.of();
  }

  /** Restores state captured by {@link #state()}. */
  default void restore(Map<String, float[]> state) {
    if (!state.isEmpty()) {
      throw new IllegalArgumentException(name() + " is stateless but got state " + state.keySet());
    }
  }
}
