package dev.starling.node.fl;

import dev.starling.node.learning.Evaluation;
import java.util.List;

/**
 * What the server reports about one completed round.
 *
 * @param round 1-based round number
 * @param attempts how many times the round was started (retries after too few updates + 1)
 * @param invited clients asked to train in the final attempt, ascending
 * @param aggregated clients whose updates were aggregated, ascending
 * @param trainLoss sample-weighted mean local training loss of the aggregated clients
 * @param evaluation the global model's test evaluation after the round, or null when skipped
 * @param epsilon privacy spent after this round by the worst-case client, or null when not private
 * @param federated the clients' evaluation of the new global model on their own data, or null when
 *     not done this round (or no client answered)
 */
public record RoundRecord(
    int round, int attempts, List<Integer> invited, List<Integer> aggregated, double trainLoss,
    Evaluation evaluation, Double epsilon, Federated federated, Staleness staleness) {

  /** Asynchronous FL (FedBuff): how many server steps behind the model its updates were trained on, mean and max. */
  public record Staleness(double mean, int max) {}

  /** A synchronous round (no staleness). */
  public RoundRecord(int round, int attempts, List<Integer> invited, List<Integer> aggregated, double trainLoss,
      Evaluation evaluation, Double epsilon, Federated federated) {
    this(round, attempts, invited, aggregated, trainLoss, evaluation, epsilon, federated, null);
  }

  /**
   * Federated evaluation: clients asked and answering, the strategy's combination of their results
   * (FedAvg: sample-weighted means) and the 10th percentile of their accuracies (how the worst
   * served clients fare).
   */
  public record Federated(int asked, int answered, Evaluation evaluation, double accuracyP10) {}

  /** A round without federated evaluation. */
  public RoundRecord(int round, int attempts, List<Integer> invited, List<Integer> aggregated, double trainLoss,
      Evaluation evaluation, Double epsilon) {
    this(round, attempts, invited, aggregated, trainLoss, evaluation, epsilon, null);
  }
}
