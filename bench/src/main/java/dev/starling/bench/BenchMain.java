package dev.starling.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the aggregation benchmark and prints each method's throughput in GB/s of input read and
 * its ratio to the two-thread memory-read baseline measured in the same run.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws RunnerException {
    if (args.length > 0 && args[0].equals("gemm")) {
      Collection<RunResult> results = new Runner(new OptionsBuilder().include(GemmBench.class.getSimpleName()).build()).run();
      System.out.println();
      System.out.println("| shape (m x k x n) | method | us per product | GFLOP/s | vs ND4J |");
      System.out.println("|---|---|---|---|---|");
      Map<String, Double> nd4j = new LinkedHashMap<>();
      for (RunResult r : results) {
        if (r.getParams().getBenchmark().endsWith("nd4j")) {
          nd4j.put(r.getParams().getParam("shape"), r.getPrimaryResult().getScore());
        }
      }
      for (RunResult r : results) {
        String shape = r.getParams().getParam("shape");
        String[] d = shape.split("x");
        double flops = 2.0 * Long.parseLong(d[0]) * Long.parseLong(d[1]) * Long.parseLong(d[2]);
        double us = r.getPrimaryResult().getScore();
        System.out.println(String.format(Locale.ROOT, "| %s | %s | %.1f ± %.1f | %.1f | %.2f |", shape,
            r.getParams().getBenchmark().replaceAll(".*\\.", ""), us, r.getPrimaryResult().getScoreError(),
            flops / us / 1e3, nd4j.get(shape) / us));
      }
      return;
    }
    if (args.length > 0 && args[0].equals("codecs")) {
      Collection<RunResult> results = new Runner(new OptionsBuilder().include(CodecBench.class.getSimpleName()).build()).run();
      Map<String, Double> copyMs = new LinkedHashMap<>();
      for (RunResult r : results) {
        if (r.getParams().getBenchmark().endsWith("memoryCopy")) {
          copyMs.put(r.getParams().getParam("codec"), r.getPrimaryResult().getScore());
        }
      }
      double gb = 4.0 * CodecBench.N / 1e9;
      System.out.println();
      System.out.println("| codec | direction | ms | GB/s of float32 | memory copy GB/s (same fork) | ratio |");
      System.out.println("|---|---|---|---|---|---|");
      for (RunResult r : results) {
        String m = r.getParams().getBenchmark().replaceAll(".*\\.", "");
        if (m.equals("memoryCopy")) {
          continue;
        }
        String codec = r.getParams().getParam("codec");
        double ms = r.getPrimaryResult().getScore();
        double base = gb / (copyMs.get(codec) / 1e3);
        double rate = gb / (ms / 1e3);
        System.out.println(String.format(Locale.ROOT, "| %s | %s | %.2f ± %.2f | %.2f | %.2f | %.2f |", codec, m, ms,
            r.getPrimaryResult().getScoreError(), rate, base, rate / base));
      }
      return;
    }
    if (args.length > 0 && args[0].equals("privacy")) {
      Collection<RunResult> results = new Runner(new OptionsBuilder().include(PrivacyBench.class.getSimpleName()).build()).run();
      System.out.println();
      System.out.println("| computation | ms (±99.9% CI) |");
      System.out.println("|---|---|");
      for (RunResult r : results) {
        System.out.println(String.format(Locale.ROOT, "| %s | %.2f ± %.2f |", r.getParams().getBenchmark().replaceAll(".*\\.", ""),
            r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
      }
      return;
    }
    Options opt = new OptionsBuilder().include(AggregationBench.class.getSimpleName()).build();
    Collection<RunResult> results = new Runner(opt).run();
    double bytes = 4.0 * AggregationBench.UPDATES * AggregationBench.LENGTH;
    Map<String, double[]> rows = new LinkedHashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
      double ms = r.getPrimaryResult().getScore();
      double err = r.getPrimaryResult().getScoreError();
      rows.put(name, new double[] {ms, err, bytes / (ms / 1e3) / 1e9});
    }
    double base = rows.get("memoryReadTwoThreads")[2];
    System.out.println();
    System.out.println("| method | ms per aggregation (±99.9% CI) | GB/s | ratio to 2-thread read |");
    System.out.println("|---|---|---|---|");
    for (Map.Entry<String, double[]> e : rows.entrySet()) {
      double[] v = e.getValue();
      System.out.println(String.format(Locale.ROOT, "| %s | %.1f ± %.1f | %.1f | %.2f |", e.getKey(), v[0], v[1], v[2],
          v[2] / base));
    }
  }
}
