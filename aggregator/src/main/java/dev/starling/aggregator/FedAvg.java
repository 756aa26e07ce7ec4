package dev.starling.aggregator;

import java.util.List;

/**
 * Federated averaging (McMahan et al. 2017): the mean of the updates weighted by their weights
 * (sample counts). With all weights zero it falls back to the unweighted mean.
 */
public final class FedAvg implements Aggregator {

  @Override
  public float[] aggregate(List<WeightedVector> updates) {
    int d = Aggregator.checkedLength(updates);
    int n = updates.size();
    double total = 0;
    for (WeightedVector u : updates) {
      total += u.weight();
    }
    float[][] vs = new float[n][];
    float[] ws = new float[n];
    for (int k = 0; k < n; k++) {
      vs[k] = updates.get(k).values();
      ws[k] = total > 0 ? (float) (updates.get(k).weight() / total) : 1.0f / n;
    }
    float[] out = new float[d];
    VectorKernels.weightedSum(vs, ws, out);
    return out;
  }

  @Override
  public String name() {
    return "fedavg";
  }
}
