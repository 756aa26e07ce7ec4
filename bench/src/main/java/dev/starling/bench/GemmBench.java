package dev.starling.bench;

import dev.starling.node.learning.engine.Gemm;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's matrix product against the library it replaces (ND4J's gemm on OpenBLAS, one
 * thread, preallocated operands) and a plain Java loop, on the shapes the built-in models run:
 * the MLP's first layer at batch 32 and 8, LeNet's second convolution as a product (16 × 150 taps
 * × 144 positions) and its weight gradient (150 × 16 × 140). Reported in GFLOP/s by BenchMain.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
public class GemmBench {

  /** m x k times k x n. */
  @Param({"32x784x200", "8x784x200", "16x150x144", "150x140x16"})
  public String shape;

  int m;
  int k;
  int n;
  float[] a;
  float[] b;
  float[] c;
  int[] aRows;
  int[] bRows;
  INDArray na;
  INDArray nb;
  INDArray nc;

  @Setup(Level.Trial)
  public void setup() {
    String[] s = shape.split("x");
    m = Integer.parseInt(s[0]);
    k = Integer.parseInt(s[1]);
    n = Integer.parseInt(s[2]);
    SplittableRandom r = new SplittableRandom(1);
    a = new float[m * k];
    b = new float[k * n];
    c = new float[m * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextDouble(-1, 1);
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) r.nextDouble(-1, 1);
    }
    aRows = Gemm.rows(m, k);
    bRows = Gemm.rows(k, n);
    na = Nd4j.create(a, new long[] {m, k}, 'c');
    nb = Nd4j.create(b, new long[] {k, n}, 'c');
    nc = Nd4j.create(new float[m * n], new long[] {m, n}, 'c');
  }

  @Benchmark
  public float[] starling() {
    Gemm.multiply(m, n, k, a, 0, aRows, 1, b, 0, bRows, c, 0, n, false);
    return c;
  }

  @Benchmark
  public INDArray nd4j() {
    return na.mmuli(nb, nc);
  }

  @Benchmark
  public float[] javaLoop() {
    for (int i = 0; i < m; i++) {
      java.util.Arrays.fill(c, i * n, (i + 1) * n, 0f);
      for (int kk = 0; kk < k; kk++) {
        float x = a[i * k + kk];
        int bo = kk * n;
        int co = i * n;
        for (int j = 0; j < n; j++) {
          c[co + j] += x * b[bo + j];
        }
      }
    }
    return c;
  }
}
