package dev.starling.app.experiment;

import dev.starling.aggregator.ServerOptimizer;
import dev.starling.node.fl.AggregateAndStep;
import dev.starling.node.fl.ClientTraining;
import dev.starling.node.fl.FlStrategy;

/**
 * An FL algorithm as a run builds it: a fresh server strategy for a run of {@code clients} clients
 * and a model of {@code numParams} parameters, and the client side every client runs. A family
 * (built in or a user's plugin) hands one to {@link FlWorld}.
 */
@FunctionalInterface
public interface FlAlgorithm {

  FlStrategy server(int clients, int numParams);

  /** The client side; plain local training unless the algorithm has its own. */
  default ClientTraining client() {
    return ClientTraining.LOCAL;
  }

  /**
   * An algorithm from its halves: {@code server.apply(clients, numParams)} makes a fresh server
   * strategy per run, and every client runs {@code client} (which keeps no state of its own:
   * client state lives in the client's {@code ClientTraining.FitTask}).
   */
  static FlAlgorithm of(java.util.function.BiFunction<Integer, Integer, FlStrategy> server, ClientTraining client) {
    return new FlAlgorithm() {
      @Override
      public FlStrategy server(int clients, int numParams) {
        return server.apply(clients, numParams);
      }

      @Override
      public ClientTraining client() {
        return client;
      }
    };
  }

  /** The FedOpt family: the aggregated delta moves the model by {@code optimizer}. */
  static FlAlgorithm of(ServerOptimizer optimizer) {
    return (clients, numParams) -> new AggregateAndStep(optimizer);
  }
}
