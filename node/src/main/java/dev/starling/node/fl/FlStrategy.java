package dev.starling.node.fl;

import dev.starling.aggregator.Aggregator;
import dev.starling.node.learning.Evaluation;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server side of an FL algorithm (Flower's {@code Strategy}): what each round's clients are
 * told, how their updates move the global model, and how their evaluations combine. The server
 * runs sampling, deadlines, retries, privacy and checkpoints around it; a strategy only decides.
 * Its client side is a {@link ClientTraining}.
 *
 * <p>Called on the server's actor, one method at a time, in round order. State kept across rounds
 * (momentum, control variates) must come back through {@link #state()} for checkpoints.
 */
public interface FlStrategy {

  /** A short, stable name for reports. */
  String name();

  /** What every client invited to {@code round} is sent with the model (nothing by default). */
  default RoundConfig configureFit(int round) {
    return RoundConfig.EMPTY;
  }

  /** Names of the model-sized tensors every update must carry besides its delta (none by default). */
  default Set<String> clientTensors() {
    return Set.of();
  }

  /**
   * Folds one round's updates into {@code global} in place.
   *
   * @param updates in ascending client id, so the result does not depend on arrival order
   * @param rule the run's aggregation rule (mean or a robust one) wrapped by its update privacy:
   *     use it for the deltas so that clipping and noise apply
   */
  void aggregateFit(int round, List<ClientUpdate> updates, Aggregator rule, float[] global);

  /** Federated evaluation: the clients' evaluations combined, by default weighted by their samples. */
  default Evaluation aggregateEvaluate(int round, List<Evaluation> results) {
    long n = 0;
    double acc = 0;
    double loss = 0;
    for (Evaluation e : results) {
      n += e.samples();
      acc += e.accuracy() * e.samples();
      loss += e.loss() * e.samples();
    }
    return n == 0 ? null : new Evaluation(acc / n, loss / n, (int) Math.min(n, Integer.MAX_VALUE));
  }

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
