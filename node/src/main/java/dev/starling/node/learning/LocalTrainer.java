package dev.starling.node.learning;

import dev.starling.node.data.Dataset;
import java.util.SplittableRandom;

/**
 * Runs a node's local training from given starting parameters: shuffled minibatches over the
 * node's sample indices for the configured epochs, with an optional FedProx proximal step.
 *
 * <p>Deterministic: the result depends only on the inputs and {@code seed}, never on which thread
 * or model instance runs it, because the optimizer state is reset and the parameters overwritten.
 */
public final class LocalTrainer {

  /** What local training produced. */
  /**
   * @param samples the local dataset size (the FedAvg weight)
   * @param processed samples processed over all steps (the compute done)
   */
  public record Result(float[] params, int samples, long processed, int steps, double meanLoss) {}

  private LocalTrainer() {}

  public static Result train(
      Model model, float[] start, Dataset data, int[] indices, TrainingConfig tc, long seed) {
    return train(model, start, data, indices, tc, seed, null);
  }

  /**
   * The same, with {@code gradientOffset} added to every minibatch gradient before the step
   * (SCAFFOLD's {@code c - c_i}, FedDyn's linear term); null adds nothing.
   */
  public static Result train(
      Model model, float[] start, Dataset data, int[] indices, TrainingConfig tc, long seed, float[] gradientOffset) {
    model.setParams(start);
    model.resetOptimizer();
    int n = indices.length;
    if (n == 0) {
      return new Result(start.clone(), 0, 0, 0, 0);
    }
    int len = data.featureLength();
    int bs = Math.min(tc.batchSize(), n);
    float[] x = new float[bs * len];
    int[] y = new int[bs];
    int[] order = indices.clone();
    SplittableRandom rng = new SplittableRandom(seed);
    float prox = (float) (tc.learningRate() * tc.proxMu());
    double lossSum = 0;
    int steps = 0;
    long seen = 0;
    outer:
    for (int e = 0; e < tc.epochs(); e++) {
      shuffle(order, rng);
      for (int start0 = 0; start0 < n; start0 += bs) {
        int m = Math.min(bs, n - start0);
        for (int i = 0; i < m; i++) {
          data.features(order[start0 + i], x, i * len);
          y[i] = data.label(order[start0 + i]);
        }
        float[] xb = m == bs ? x : java.util.Arrays.copyOf(x, m * len);
        lossSum += gradientOffset == null ? model.fitBatch(xb, y, m)
            : model.fitBatch(xb, y, m, gradientOffset, (float) tc.learningRate());
        if (prox > 0) {
          model.pullTowards(start, prox);
        }
        steps++;
        seen += m;
        if (tc.maxSteps() > 0 && steps >= tc.maxSteps()) {
          break outer;
        }
      }
    }
    return new Result(model.params(), n, seen, steps, lossSum / steps);
  }

  private static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Samples one call to {@link #train} will process: what its compute cost is modelled from. */
  public static long plannedSamples(int localSize, TrainingConfig tc) {
    if (localSize == 0) {
      return 0;
    }
    int bs = Math.min(tc.batchSize(), localSize);
    long stepsPerEpoch = (localSize + bs - 1) / bs;
    long steps = stepsPerEpoch * tc.epochs();
    if (tc.maxSteps() > 0 && steps > tc.maxSteps()) {
      long full = (long) tc.maxSteps() / stepsPerEpoch;
      long rem = tc.maxSteps() % stepsPerEpoch;
      return full * localSize + Math.min(localSize, rem * bs);
    }
    return (long) localSize * tc.epochs();
  }
}
