package dev.starling.sampling.partition;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * Splits a labelled dataset over nodes. Every sample goes to exactly one node; the result lists,
 * per node, its sample indices in ascending order.
 */
public interface Partitioner {

  /**
   * @param labels class of each sample
   * @param groups natural owner of each sample (writer, user), or null when the data has none
   * @param nodes how many nodes to split over
   * @param rng seeded generator
   */
  int[][] partition(int[] labels, int[] groups, int nodes, UniformRandomProvider rng);

  /** A short description for reports. */
  String describe();
}
