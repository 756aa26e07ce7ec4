package dev.starling.node.data;

import dev.starling.node.runtime.Seeds;
import java.util.SplittableRandom;

/**
 * LEAF's Synthetic(alpha, beta) federated classification data (Li et al., FedProx 2020;
 * Caldas et al., LEAF 2018), generated locally so that runs need no download.
 *
 * <p>For device k: {@code u_k ~ N(0, alpha)}, {@code B_k ~ N(0, beta)}; its model
 * {@code W_k, b_k ~ N(u_k, 1)}; its feature mean {@code v_k[j] ~ N(B_k, 1)}; samples
 * {@code x ~ N(v_k, diag(j^-1.2))} and {@code y = argmax(W_k x + b_k)}. alpha controls how much
 * the devices' models differ, beta how much their data differ. Sample counts per device follow a
 * lognormal law, as in LEAF. A fixed fraction of each device's samples is held out; the test set
 * is the held-out samples of the first {@code testDevices} devices, so that it does not grow with
 * the number of devices.
 *
 * <p>Each device draws from its own stream (the run seed and its index), so one device's data can
 * be generated alone, on demand, and equals its part of the whole: {@link #devices} gives that
 * view, which holds only the sample counts (4 bytes per device), for simulations of millions of
 * clients.
 */
public final class SyntheticLeaf {

  /** Generator parameters. */
  public record Params(
      double alpha, double beta, int devices, int dimension, int classes,
      double meanSamples, double sigmaSamples, int minSamples, double testFraction, long seed, int testDevices) {
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
      if (testDevices < 1) {
        throw new IllegalArgumentException("need test devices >= 1, got " + testDevices);
      }
    }

    /** Every device contributes to the test set. */
    public Params(double alpha, double beta, int devices, int dimension, int classes,
        double meanSamples, double sigmaSamples, int minSamples, double testFraction, long seed) {
      this(alpha, beta, devices, dimension, classes, meanSamples, sigmaSamples, minSamples, testFraction, seed,
          Integer.MAX_VALUE);
    }
  }

  /** Train and test sets; both carry the device of each sample as its group. */
  public record Split(DenseDataset train, DenseDataset test) {}

  private SyntheticLeaf() {}

  /** Samples device {@code k} holds in all (training and held out), drawn first from its stream. */
  private static int count(Params p, PolarGaussian g) {
    double mu = StrictMath.log(Math.max(1.0, p.meanSamples())) - p.sigmaSamples() * p.sigmaSamples() / 2;
    return Math.max(p.minSamples(), (int) Math.round(StrictMath.exp(mu + p.sigmaSamples() * g.next())));
  }

  private static PolarGaussian stream(Params p, int k) {
    return new PolarGaussian(new SplittableRandom(Seeds.derive(p.seed(), 0x53594eL, k)));
  }

  /** Held-out samples of a device with {@code count} samples (the last ones it draws). */
  private static int heldOut(Params p, int count) {
    return count > 1 ? Math.max(1, (int) Math.round(count * p.testFraction())) : 0;
  }

  /** Device {@code k}'s samples, features row-major, the held-out ones last. */
  private record Device(float[] xs, int[] ys, int held) {}

  private static Device device(Params p, int k) {
    PolarGaussian rng = stream(p, k);
    int n = count(p, rng);
    int d = p.dimension();
    int c = p.classes();
    double[] sigma = new double[d];
    for (int j = 0; j < d; j++) {
      sigma[j] = Math.sqrt(StrictMath.pow(j + 1, -1.2));
    }
    double[] w = new double[c * d];
    double[] b = new double[c];
    double[] v = new double[d];
    double[] x = new double[d];
    double u = rng.next() * Math.sqrt(p.alpha());
    double bigB = rng.next() * Math.sqrt(p.beta());
    for (int i = 0; i < w.length; i++) {
      w[i] = u + rng.next();
    }
    for (int i = 0; i < c; i++) {
      b[i] = u + rng.next();
    }
    for (int j = 0; j < d; j++) {
      v[j] = bigB + rng.next();
    }
    float[] xs = new float[n * d];
    int[] ys = new int[n];
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < d; j++) {
        x[j] = v[j] + sigma[j] * rng.next();
        xs[s * d + j] = (float) x[j];
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
      ys[s] = best;
    }
    return new Device(xs, ys, heldOut(p, n));
  }

  /** All devices' training samples, and the held-out samples of the first {@code testDevices}. */
  public static Split generate(Params p) {
    Devices all = devices(p);
    long total = 0;
    for (int k = 0; k < p.devices(); k++) {
      total += all.samples(k);
    }
    if (total * p.dimension() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("synthetic data too large: " + total + " training samples x " + p.dimension()
          + " (a natural partition over FL clients generates each client's data on demand instead)");
    }
    int d = p.dimension();
    float[] xs = new float[(int) total * d];
    int[] ys = new int[(int) total];
    int[] gs = new int[(int) total];
    int at = 0;
    for (int k = 0; k < p.devices(); k++) {
      Device dev = device(p, k);
      int train = dev.ys().length - dev.held();
      System.arraycopy(dev.xs(), 0, xs, at * d, train * d);
      System.arraycopy(dev.ys(), 0, ys, at, train);
      java.util.Arrays.fill(gs, at, at + train, k);
      at += train;
    }
    return new Split(new DenseDataset("synthetic/train", xs, ys, new int[] {d}, p.classes(), gs), test(p));
  }

  /** The held-out samples of the first {@code testDevices} devices. */
  public static DenseDataset test(Params p) {
    int d = p.dimension();
    int m = Math.min(p.devices(), p.testDevices());
    Device[] devs = new Device[m];
    long total = 0;
    for (int k = 0; k < m; k++) {
      devs[k] = device(p, k);
      total += devs[k].held();
    }
    if (total * d > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("synthetic test set too large: " + total + " samples x " + d);
    }
    float[] xs = new float[(int) total * d];
    int[] ys = new int[(int) total];
    int[] gs = new int[(int) total];
    int at = 0;
    for (int k = 0; k < m; k++) {
      Device dev = devs[k];
      int from = dev.ys().length - dev.held();
      System.arraycopy(dev.xs(), from * d, xs, at * d, dev.held() * d);
      System.arraycopy(dev.ys(), from, ys, at, dev.held());
      java.util.Arrays.fill(gs, at, at + dev.held(), k);
      at += dev.held();
    }
    return new DenseDataset("synthetic/test", xs, ys, new int[] {d}, p.classes(), gs);
  }

  /** Every device's training data, generated when asked for. */
  public static Devices devices(Params p) {
    int[] train = new int[p.devices()];
    for (int k = 0; k < train.length; k++) {
      int n = count(p, stream(p, k));
      train[k] = n - heldOut(p, n);
    }
    return new Devices(p, train);
  }

  /** The devices' training data on demand: only their sample counts are held. */
  public static final class Devices implements NodeShards {
    private final Params p;
    private final int[] train;

    private Devices(Params p, int[] train) {
      this.p = p;
      this.train = train;
    }

    @Override
    public int nodes() {
      return train.length;
    }

    @Override
    public int samples(int node) {
      return train[node];
    }

    @Override
    public DenseDataset data(int node) {
      Device dev = device(p, node);
      int n = train[node];
      int[] gs = new int[n];
      java.util.Arrays.fill(gs, node);
      return new DenseDataset("synthetic/train", java.util.Arrays.copyOf(dev.xs(), n * p.dimension()),
          java.util.Arrays.copyOf(dev.ys(), n), new int[] {p.dimension()}, p.classes(), gs);
    }

    @Override
    public String name() {
      return "synthetic/train";
    }

    @Override
    public int numClasses() {
      return p.classes();
    }

    @Override
    public int[] featureShape() {
      return new int[] {p.dimension()};
    }
  }
}
