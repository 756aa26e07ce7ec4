package dev.starling.node.learning;

import dev.starling.node.data.Dataset;
import java.util.SplittableRandom;

/**
 * Runs a number of optimizer steps on a model whose optimizer state persists between calls (as
 * DiLoCo's inner AdamW must): step t draws its minibatch from the node's samples with a seed
 * derived from (seed, t), so the result does not depend on how steps are grouped into calls.
 */
public final class StepTrainer {
  private StepTrainer() {}

  /** Runs steps {@code first .. first + count - 1}; returns their mean loss. */
  public static double run(Model model, Dataset data, int[] indices, int batchSize, long seed, long first, int count) {
    int len = data.featureLength();
    int bs = Math.min(batchSize, indices.length);
    float[] x = new float[bs * len];
    int[] y = new int[bs];
    double loss = 0;
    for (long t = first; t < first + count; t++) {
      SplittableRandom r = new SplittableRandom(seed ^ (t * 0x9E3779B97F4A7C15L));
      for (int i = 0; i < bs; i++) {
        int s = indices[r.nextInt(indices.length)];
        data.features(s, x, i * len);
        y[i] = data.label(s);
      }
      loss += model.fitBatch(x, y, bs);
    }
    return count == 0 ? 0 : loss / count;
  }
}
