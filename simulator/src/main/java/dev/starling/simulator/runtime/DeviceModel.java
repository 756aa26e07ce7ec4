package dev.starling.simulator.runtime;

import dev.starling.node.runtime.Randoms;
import java.util.SplittableRandom;

/**
 * How fast each simulated device computes: a per-node speed in FLOP/s drawn once from a lognormal
 * law (FedScale-style heterogeneity), with a chosen set of nodes slowed by a factor (stragglers).
 * Compute time is modelled from a job's FLOPs, never measured, so runs are reproducible.
 */
public final class DeviceModel {

  private final double[] flopsPerSecond;
  private final boolean[] slow;

  /**
   * @param nodes node count (ids 0..nodes-1)
   * @param meanGflops mean device speed in GFLOP/s
   * @param sigma lognormal shape (0 = identical devices)
   * @param slowFraction fraction of nodes (rounded down, chosen at random) slowed by {@code slowFactor}
   * @param exempt ids never made slow (the server)
   */
  public DeviceModel(int nodes, double meanGflops, double sigma, double slowFraction, double slowFactor,
      long seed, int... exempt) {
    SplittableRandom rng = new SplittableRandom(seed);
    flopsPerSecond = new double[nodes];
    slow = new boolean[nodes];
    double mu = StrictMath.log(meanGflops * 1e9) - sigma * sigma / 2;
    for (int i = 0; i < nodes; i++) {
      flopsPerSecond[i] = StrictMath.exp(mu + sigma * Randoms.gaussian(rng));
    }
    java.util.List<Integer> candidates = new java.util.ArrayList<>();
    outer:
    for (int i = 0; i < nodes; i++) {
      for (int e : exempt) {
        if (e == i) {
          continue outer;
        }
      }
      candidates.add(i);
    }
    int nSlow = (int) Math.floor(slowFraction * candidates.size());
    for (int k = 0; k < nSlow; k++) {
      int j = k + rng.nextInt(candidates.size() - k);
      java.util.Collections.swap(candidates, k, j);
      int id = candidates.get(k);
      slow[id] = true;
      flopsPerSecond[id] /= slowFactor;
    }
  }

  /** Modelled seconds for {@code flops} of work on node {@code id}. */
  public double seconds(int id, double flops) {
    return flops <= 0 ? 0 : flops / flopsPerSecond[id];
  }

  /** Modelled speed of node {@code id} in FLOP/s. */
  public double flopsPerSecond(int id) {
    return flopsPerSecond[id];
  }

  public int size() {
    return flopsPerSecond.length;
  }

  public boolean isSlow(int id) {
    return slow[id];
  }

}
