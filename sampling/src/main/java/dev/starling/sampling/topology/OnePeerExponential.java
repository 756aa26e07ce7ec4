package dev.starling.sampling.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The one-peer exponential graph (Ying et al. 2021): in round t node i sends to
 * {@code (i + 2^(t mod log2 n)) mod n}, one peer per round, cycling through the powers of two;
 * after log2(n) rounds the mixing is exact when n is a power of two. Directed: the list holds the
 * peer each node sends to.
 */
public final class OnePeerExponential implements Topology {
  @Override
  public List<int[]> neighbours(int n, long round, UniformRandomProvider rng) {
    int tau = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1)); // ceil(log2 n)
    int hop = 1 << (int) (round % tau);
    List<int[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(n <= 1 ? new int[0] : new int[] {(i + hop) % n});
    }
    return out;
  }

  @Override
  public boolean dynamic() {
    return true;
  }

  @Override
  public String describe() {
    return "one-peer-exponential";
  }
}
