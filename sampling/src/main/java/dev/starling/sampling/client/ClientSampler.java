package dev.starling.sampling.client;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Chooses which of the available clients take part in a round. Implementations are deterministic
 * given the generator's state and return ids in ascending order.
 */
public interface ClientSampler {

  /**
   * @param available candidate ids in ascending order
   * @param rng the server's seeded generator
   */
  List<Integer> sample(List<Integer> available, UniformRandomProvider rng);

  /** A short description for reports, e.g. {@code fixed(10)}. */
  String describe();
}
