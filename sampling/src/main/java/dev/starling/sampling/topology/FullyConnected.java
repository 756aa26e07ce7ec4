package dev.starling.sampling.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;

/** Every node linked to every other. */
public final class FullyConnected implements Topology {
  @Override
  public List<int[]> neighbours(int n, long round, UniformRandomProvider rng) {
    List<int[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int[] nb = new int[n - 1];
      for (int j = 0, k = 0; j < n; j++) {
        if (j != i) {
          nb[k++] = j;
        }
      }
      out.add(nb);
    }
    return out;
  }

  @Override
  public String describe() {
    return "fully-connected";
  }
}
