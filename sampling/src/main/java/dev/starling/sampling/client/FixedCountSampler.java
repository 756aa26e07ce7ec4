package dev.starling.sampling.client;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/** Uniformly samples exactly {@code count} clients without replacement (all if fewer exist). */
public final class FixedCountSampler implements ClientSampler {

  private final int count;

  public FixedCountSampler(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("clients per round must be >= 1, got " + count);
    }
    this.count = count;
  }

  @Override
  public List<Integer> sample(List<Integer> available, UniformRandomProvider rng) {
    return Samplers.choose(available, Math.min(count, available.size()), rng);
  }

  @Override
  public String describe() {
    return "fixed(" + count + ")";
  }
}
