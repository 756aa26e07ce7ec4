package dev.starling.sampling.client;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Poisson sampling: each client takes part independently with probability {@code q}, the
 * scheme DP-SGD style amplification-by-sampling analyses assume. The round size varies and can be
 * zero.
 */
public final class PoissonSampler implements ClientSampler {

  private final double rate;

  public PoissonSampler(double rate) {
    if (!(rate > 0 && rate <= 1)) {
      throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + rate);
    }
    this.rate = rate;
  }

  public double rate() {
    return rate;
  }

  @Override
  public List<Integer> sample(List<Integer> available, UniformRandomProvider rng) {
    List<Integer> out = new ArrayList<>();
    for (Integer id : available) {
      if (rng.nextDouble() < rate) {
        out.add(id);
      }
    }
    return out;
  }

  @Override
  public String describe() {
    return "poisson(" + rate + ")";
  }
}
