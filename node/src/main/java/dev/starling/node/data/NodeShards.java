package dev.starling.node.data;

/**
 * Training data that belongs to nodes (a natural partition) and is built per node when asked
 * for, instead of held as one dataset: what lets a simulation of millions of clients keep only
 * the ones in the current round in memory.
 */
public interface NodeShards {

  /** How many nodes hold data (indices 0..nodes-1). */
  int nodes();

  /** Training samples node {@code node} holds, without building them. */
  int samples(int node);

  /** Node {@code node}'s training data, built now (same call, same data). */
  Dataset data(int node);

  /** Classes of every node's data. */
  int numClasses();

  /** Feature shape of every node's data. */
  int[] featureShape();

  /** Node {@code node}'s training data, built when a sample is first read (by any thread). */
  default Dataset deferred(int node) {
    return new DeferredDataset(name(), samples(node), numClasses(), featureShape(), () -> data(node));
  }

  /** A short name for reports. */
  String name();

  /** Training samples over every node. */
  default long totalSamples() {
    long t = 0;
    for (int k = 0; k < nodes(); k++) {
      t += samples(k);
    }
    return t;
  }
}
