package dev.starling.node.fl;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.aggregator.WeightedVector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The FedOpt family as a strategy (FedAvg, FedAvgM, FedProx, FedAdam, FedYogi, FedAdagrad and the
 * robust rules): the aggregation rule combines the sample-weighted deltas, the server optimizer
 * moves the global model by the result. Clients are sent nothing but the model.
 */
public final class AggregateAndStep implements FlStrategy {
  private final ServerOptimizer optimizer;

  public AggregateAndStep(ServerOptimizer optimizer) {
    this.optimizer = optimizer;
  }

  @Override
  public String name() {
    return optimizer.name();
  }

  @Override
  public void aggregateFit(int round, List<ClientUpdate> updates, Aggregator rule, float[] global) {
    optimizer.step(global, rule.aggregate(weighted(updates)));
  }

  /** The updates' deltas weighted by their sample counts, in the given order. */
  public static List<WeightedVector> weighted(List<ClientUpdate> updates) {
    List<WeightedVector> out = new ArrayList<>(updates.size());
    for (ClientUpdate u : updates) {
      out.add(new WeightedVector(u.delta(), u.samples()));
    }
    return out;
  }

  @Override
  public Map<String, float[]> state() {
    return optimizer.state();
  }

  @Override
  public void restore(Map<String, float[]> state) {
    optimizer.restore(state);
  }
}
