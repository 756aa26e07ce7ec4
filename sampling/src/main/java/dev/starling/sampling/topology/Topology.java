package dev.starling.sampling.topology;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Who talks to whom in decentralized learning: the neighbours of every node in a round.
 * Implementations return, for each node, its neighbour ids in ascending order (undirected
 * topologies are symmetric; the one-peer exponential graph is directed).
 */
public interface Topology {

  /** Neighbours of every node 0..n-1 in round {@code round}. */
  List<int[]> neighbours(int n, long round, UniformRandomProvider rng);

  /** Whether the graph changes from round to round. */
  default boolean dynamic() {
    return false;
  }

  String describe();
}
