package dev.starling.bench;

import dev.starling.node.wire.codec.Bf16Codec;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.E3m0Codec;
import dev.starling.node.wire.codec.Fp32Codec;
import dev.starling.node.wire.codec.Int8Codec;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode throughput of each codec on 32M floats (128 MB, beyond the caches), next to a
 * plain memory copy of the same float array measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
public class CodecBench {

  static final int N = 32 << 20; // 128 MB of float32: beyond the caches, like a real outer gradient

  @Param({"fp32", "bf16", "int8", "e3m0"})
  public String codec;

  float[] values;
  float[] copy;
  Codec c;
  Tensor encoded;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    values = new float[N];
    for (int i = 0; i < N; i++) {
      values[i] = (float) (r.nextDouble(-1, 1) * 1e-3);
    }
    copy = new float[N];
    c = switch (codec) {
      case "fp32" -> new Fp32Codec();
      case "bf16" -> new Bf16Codec(false);
      case "int8" -> new Int8Codec(128, false);
      default -> new E3m0Codec(128, false);
    };
    encoded = c.encode(values, null);
  }

  @Benchmark
  public float[] memoryCopy() {
    System.arraycopy(values, 0, copy, 0, N);
    return copy;
  }

  @Benchmark
  public Tensor encode() {
    return c.encode(values, null);
  }

  @Benchmark
  public float[] decode() {
    return Tensors.decode(encoded, N);
  }
}
