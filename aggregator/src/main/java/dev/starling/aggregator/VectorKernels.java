package dev.starling.aggregator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Memory-bound loops over flat float vectors, split across threads in fixed coordinate ranges.
 *
 * <p>Why plain Java and not ND4J: summing 100 vectors of 1M floats is limited by memory
 * bandwidth; a C2-vectorized loop split over both cores reaches the two-thread read ceiling, while
 * ND4J pays microseconds per call and its one-shot {@code sum(0)} is 3-4x slower (see
 * BENCHMARKS.md). Each coordinate is always summed in input order, so results do not depend on
 * the thread count.
 */
public final class VectorKernels {

  /** Coordinates per task: large enough to amortise scheduling, small enough to balance. */
  private static final int MIN_CHUNK = 1 << 16;

  /** Output block in coordinates (256 KiB of floats: stays in L2 while every input streams by). */
  static final int BLOCK = 1 << 16;

  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private static final ExecutorService POOL =
      Executors.newFixedThreadPool(
          THREADS,
          r -> {
            Thread t = new Thread(r, "starling-vector");
            t.setDaemon(true);
            return t;
          });

  private VectorKernels() {}

  /** The number of threads the kernels split work over. */
  public static int threads() {
    return THREADS;
  }

  /**
   * {@code out[i] = sum_k weights[k] * vectors[k][i]}, accumulated in float in the order of k.
   */
  public static void weightedSum(float[][] vectors, float[] weights, float[] out) {
    weightedSum(vectors, weights, out, THREADS);
  }

  /** As {@link #weightedSum(float[][], float[], float[])} with an explicit thread count. */
  public static void weightedSum(float[][] vectors, float[] weights, float[] out, int threads) {
    weightedSum(vectors, weights, out, threads, BLOCK);
  }

  /** As above with an explicit block size in coordinates (for benchmarks). */
  public static void weightedSum(float[][] vectors, float[] weights, float[] out, int threads, int block) {
    if (vectors.length != weights.length) {
      throw new IllegalArgumentException(
          vectors.length + " vectors but " + weights.length + " weights");
    }
    for (float[] v : vectors) {
      if (v.length != out.length) {
        throw new IllegalArgumentException("vector length " + v.length + " != " + out.length);
      }
    }
    parallelRanges(out.length, threads, (from, to) -> weightedSumRange(vectors, weights, out, from, to, block));
  }

  /** Serial kernel for one coordinate range, blocked so the output block stays in cache. */
  static void weightedSumRange(float[][] vectors, float[] weights, float[] out, int from, int to, int block) {
    for (int b = from; b < to; b += block) {
      int e = Math.min(to, b + block);
      float w0 = weights[0];
      float[] v0 = vectors[0];
      for (int i = b; i < e; i++) {
        out[i] = w0 * v0[i];
      }
      for (int k = 1; k < vectors.length; k++) {
        float w = weights[k];
        float[] v = vectors[k];
        for (int i = b; i < e; i++) {
          out[i] += w * v[i];
        }
      }
    }
  }

  /** A task over the half-open coordinate range [from, to). */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to);
  }

  /**
   * Runs {@code task} over [0, n) split into at most {@code threads} contiguous ranges, the
   * calling thread taking the first range. Small inputs run inline.
   */
  public static void parallelRanges(int n, int threads, RangeTask task) {
    int parts = (int) Math.min(Math.max(1, threads), Math.max(1L, (long) n / MIN_CHUNK));
    if (parts <= 1) {
      task.run(0, n);
      return;
    }
    int step = (n + parts - 1) / parts;
    List<Future<?>> futures = new ArrayList<>(parts - 1);
    for (int p = 1; p < parts; p++) {
      int from = p * step;
      int to = Math.min(n, from + step);
      futures.add(POOL.submit(() -> task.run(from, to)));
    }
    task.run(0, Math.min(n, step));
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while aggregating", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("aggregation task failed", e.getCause());
      }
    }
  }
}
