package dev.starling.bench;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.VectorKernels;
import dev.starling.aggregator.WeightedVector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FedAvg of 100 updates of 1M floats (400 MB read per aggregation): the product path
 * ({@link FedAvg}, two-thread blocked kernel) against a one-thread Java loop, ND4J (BLAS axpy into
 * a preallocated accumulator) and, as the ceiling, a two-thread read of the same 400 MB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
public class AggregationBench {

  static final int UPDATES = 100;
  static final int LENGTH = 1_000_000;

  float[][] vectors;
  float[] weights;
  float[] out;
  List<WeightedVector> updates;
  INDArray[] nd;
  INDArray ndOut;

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    vectors = new float[UPDATES][LENGTH];
    weights = new float[UPDATES];
    updates = new ArrayList<>();
    nd = new INDArray[UPDATES];
    for (int k = 0; k < UPDATES; k++) {
      for (int i = 0; i < LENGTH; i++) {
        vectors[k][i] = (float) r.nextDouble(-1, 1);
      }
      weights[k] = 1f / UPDATES;
      updates.add(new WeightedVector(vectors[k], 100 + k));
      nd[k] = Nd4j.createFromArray(vectors[k]);
    }
    out = new float[LENGTH];
    ndOut = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, LENGTH);
  }

  /**
   * Baseline: read all 400 MB once, split over two threads, in the same vector-by-vector order.
   * It folds the raw bits with XOR, which C2 vectorizes (a float sum is a serial dependency chain
   * it does not), so this is bound by memory bandwidth, not by the adder.
   */
  @Benchmark
  public int memoryReadTwoThreads() {
    int[] partial = new int[2];
    VectorKernels.parallelRanges(LENGTH, 2, (from, to) -> {
      int x = 0;
      for (float[] v : vectors) {
        for (int i = from; i < to; i++) {
          x ^= Float.floatToRawIntBits(v[i]);
        }
      }
      partial[from == 0 ? 0 : 1] = x;
    });
    return partial[0] ^ partial[1];
  }

  /** The product kernel with a 4 KiB-float block instead of the default. */
  @Benchmark
  public float[] kernelTwoThreadsBlock4k() {
    VectorKernels.weightedSum(vectors, weights, out, 2, 4096);
    return out;
  }

  /** The product kernel unblocked: each thread streams its whole half range per input. */
  @Benchmark
  public float[] kernelTwoThreadsUnblocked() {
    VectorKernels.weightedSum(vectors, weights, out, 2, LENGTH);
    return out;
  }

  /** What the server runs: FedAvg weighted by sample count, two-thread blocked kernel. */
  @Benchmark
  public float[] productFedAvg() {
    return new FedAvg().aggregate(updates);
  }

  /** The same kernel on one thread. */
  @Benchmark
  public float[] javaLoopOneThread() {
    VectorKernels.weightedSum(vectors, weights, out, 1);
    return out;
  }

  /** Plain unblocked Java loop, one thread: acc += w * v, vector by vector. */
  @Benchmark
  public float[] javaNaiveOneThread() {
    java.util.Arrays.fill(out, 0f);
    for (int k = 0; k < UPDATES; k++) {
      float w = weights[k];
      float[] v = vectors[k];
      for (int i = 0; i < LENGTH; i++) {
        out[i] += w * v[i];
      }
    }
    return out;
  }

  /** ND4J: BLAS axpy of each update into a preallocated accumulator. */
  @Benchmark
  public INDArray nd4jAxpy() {
    ndOut.assign(0);
    for (int k = 0; k < UPDATES; k++) {
      Nd4j.getBlasWrapper().level1().axpy(LENGTH, weights[k], nd[k], ndOut);
    }
    return ndOut;
  }
}
