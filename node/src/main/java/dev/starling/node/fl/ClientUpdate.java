package dev.starling.node.fl;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One client's validated answer to a round, as a strategy aggregates it.
 *
 * @param delta {@code local - global} as the client's update privacy decoded it
 * @param samples the client's local dataset size (the FedAvg weight)
 * @param tensors the extra model-sized tensors the strategy asked for, by name
 */
public record ClientUpdate(int client, float[] delta, long samples, float trainLoss, SortedMap<String, float[]> tensors) {
  public ClientUpdate {
    tensors = Collections.unmodifiableSortedMap(new TreeMap<>(tensors));
  }

  public ClientUpdate(int client, float[] delta, long samples, float trainLoss, java.util.Map<String, float[]> tensors) {
    this(client, delta, samples, trainLoss, new TreeMap<>(tensors));
  }

  /** The tensor {@code name}, which the server has checked is present. */
  public float[] tensor(String name) {
    return tensors.get(name);
  }

  /**
   * The checks every server makes of an update's scalars before using it: a finite train loss and
   * a sample count in 1..2^31-1 (the count is a weight: a huge one would outweigh everyone).
   */
  public static void checkScalars(dev.starling.node.wire.proto.ModelUpdate u) {
    if (!Float.isFinite(u.getTrainLoss())) {
      throw new dev.starling.node.wire.InvalidMessageException("train loss " + u.getTrainLoss() + " (NaN and Inf are rejected)");
    }
    if (u.getNumSamples() < 1 || u.getNumSamples() > Integer.MAX_VALUE) {
      throw new dev.starling.node.wire.InvalidMessageException("num_samples " + Long.toUnsignedString(u.getNumSamples())
          + " (allowed 1.." + Integer.MAX_VALUE + ")");
    }
  }
}
