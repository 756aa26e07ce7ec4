package dev.starling.node.data;

import dev.starling.node.runtime.Randoms;
import java.util.SplittableRandom;

/**
 * LEAF's Synthetic(alpha, beta) federated classification data (Li et al., FedProx 2020;
 * Caldas et al., LEAF 2018), generated locally so that runs need no download.
 *
 * <p>For device k: {@code u_k ~ N(0, alpha)}, {@code B_k ~ N(0, beta)}; its model
 * {@code W_k, b_k ~ N(u_k, 1)}; its feature mean {@code v_k[j] ~ N(B_k, 1)}; samples
 * {@code x ~ N(v_k, diag(j^-1.2))} and {@code y = argmax(W_k x + b_k)}. alpha controls how much
 * the devices' models differ, beta how much their data differ. Sample counts per device follow a
 * lognormal law, as in LEAF. A fixed fraction of each device's samples forms the test set.
 */
public final class SyntheticLeaf {

  /** Generator parameters. */
  public record Params(
      double alpha, double beta, int devices, int dimension, int classes,
      double meanSamples, double sigmaSamples, int minSamples, double testFraction, long seed) {
    public Params {
      if (!(alpha >= 0) || !(beta >= 0)) {
        throw new IllegalArgumentException("alpha and beta must be >= 0, got " + alpha + ", " + beta);
      }
      if (devices < 1 || dimension < 1 || classes < 2) {
        throw new IllegalArgumentException("need devices >= 1, dimension >= 1, classes >= 2");
      }
      if (!(testFraction > 0 && testFraction < 1)) {
        throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
      }
    }
  }

  /** Train and test sets; both carry the device of each sample as its group. */
  public record Split(DenseDataset train, DenseDataset test) {}

  private SyntheticLeaf() {}

  public static Split generate(Params p) {
    SplittableRandom rng = new SplittableRandom(p.seed());
    int d = p.dimension();
    int c = p.classes();
    double[] sigma = new double[d];
    for (int j = 0; j < d; j++) {
      sigma[j] = Math.sqrt(StrictMath.pow(j + 1, -1.2));
    }
    int[] counts = new int[p.devices()];
    long total = 0;
    double mu = StrictMath.log(Math.max(1.0, p.meanSamples())) - p.sigmaSamples() * p.sigmaSamples() / 2;
    for (int k = 0; k < counts.length; k++) {
      counts[k] = Math.max(p.minSamples(), (int) Math.round(StrictMath.exp(mu + p.sigmaSamples() * Randoms.gaussian(rng))));
      total += counts[k];
    }
    if (total * d > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("synthetic data too large: " + total + " samples x " + d);
    }
    float[] xs = new float[(int) total * d];
    int[] ys = new int[(int) total];
    int[] gs = new int[(int) total];
    boolean[] isTest = new boolean[(int) total];
    int at = 0;
    double[] w = new double[c * d];
    double[] b = new double[c];
    double[] v = new double[d];
    double[] x = new double[d];
    for (int k = 0; k < p.devices(); k++) {
      double u = Randoms.gaussian(rng) * Math.sqrt(p.alpha());
      double bigB = Randoms.gaussian(rng) * Math.sqrt(p.beta());
      for (int i = 0; i < w.length; i++) {
        w[i] = u + Randoms.gaussian(rng);
      }
      for (int i = 0; i < c; i++) {
        b[i] = u + Randoms.gaussian(rng);
      }
      for (int j = 0; j < d; j++) {
        v[j] = bigB + Randoms.gaussian(rng);
      }
      int nTest = Math.max(1, (int) Math.round(counts[k] * p.testFraction()));
      for (int s = 0; s < counts[k]; s++) {
        for (int j = 0; j < d; j++) {
          x[j] = v[j] + sigma[j] * Randoms.gaussian(rng);
          xs[at * d + j] = (float) x[j];
        }
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int cl = 0; cl < c; cl++) {
          double z = b[cl];
          for (int j = 0; j < d; j++) {
            z += w[cl * d + j] * x[j];
          }
          if (z > bestScore) {
            bestScore = z;
            best = cl;
          }
        }
        ys[at] = best;
        gs[at] = k;
        isTest[at] = s >= counts[k] - nTest && counts[k] > 1;
        at++;
      }
    }
    return new Split(subset("synthetic/train", xs, ys, gs, isTest, false, d, c),
        subset("synthetic/test", xs, ys, gs, isTest, true, d, c));
  }

  private static DenseDataset subset(
      String name, float[] xs, int[] ys, int[] gs, boolean[] isTest, boolean want, int d, int c) {
    int n = 0;
    for (boolean t : isTest) {
      if (t == want) {
        n++;
      }
    }
    float[] fx = new float[n * d];
    int[] fy = new int[n];
    int[] fg = new int[n];
    int j = 0;
    for (int i = 0; i < ys.length; i++) {
      if (isTest[i] == want) {
        System.arraycopy(xs, i * d, fx, j * d, d);
        fy[j] = ys[i];
        fg[j] = gs[i];
        j++;
      }
    }
    return new DenseDataset(name, fx, fy, new int[] {d}, c, fg);
  }

}
