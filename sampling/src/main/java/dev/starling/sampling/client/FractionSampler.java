package dev.starling.sampling.client;

import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Uniformly samples {@code max(1, round(fraction * available))} clients without replacement, as
 * in McMahan et al.'s C parameter.
 */
public final class FractionSampler implements ClientSampler {

  private final double fraction;

  public FractionSampler(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("client fraction must be in (0, 1], got " + fraction);
    }
    this.fraction = fraction;
  }

  @Override
  public List<Integer> sample(List<Integer> available, UniformRandomProvider rng) {
    int k = (int) Math.max(1, Math.round(fraction * available.size()));
    return Samplers.choose(available, Math.min(k, available.size()), rng);
  }

  @Override
  public String describe() {
    return "fraction(" + fraction + ")";
  }
}
