package dev.starling.node.dl;

import java.util.List;

/**
 * How the runtime observes decentralized peers for metrics: MoDeST reports each aggregated model
 * (what a user would deploy), round-based DL peers report each node's model at the end of each of
 * its rounds. Called on the node's own thread; implementations must not block for long.
 */
public interface PeerListener {

  /** A MoDeST aggregation of round {@code round}'s trained models, as sent to the next sample. */
  default void aggregated(AggregationRecord record, float[] params) {}

  /** Node {@code node} finished its round {@code round} with {@code params} (never mutated afterwards). */
  default void roundDone(int node, long round, float[] params, double trainLoss) {}

  /** One MoDeST aggregation. */
  record AggregationRecord(
      long round, int aggregator, List<Integer> contributors, List<Integer> participants, boolean timedOut,
      double trainLoss) {}

  PeerListener NONE = new PeerListener() {};
}
