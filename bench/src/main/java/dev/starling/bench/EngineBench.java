package dev.starling.bench;

import dev.starling.node.learning.Dl4jModel;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.ModelFactory;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.learning.TrainingConfig;
import dev.starling.node.learning.engine.EngineModel;
import dev.starling.node.learning.engine.Gemm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Training-engine throughput, one thread: samples per second of training steps (SGD, Nesterov
 * momentum 0.5, lr 0.05, as fl-mnist) and of evaluation (forward pass and argmax) for logistic
 * regression, the 784-200-200-10 MLP and the LeNet-5-style CNN on 28×28 inputs, at batch 32 and 8.
 * {@code measure [dl4j]} prints one TSV line per figure; {@code report DIR} reads every
 * {@code *.tsv} a run of {@code bench/run engine} left there (Starling's, PyTorch's and DL4J's, the
 * engines measured in alternation) and prints the table with the median of each and the ratios.
 */
public final class EngineBench {
  private EngineBench() {}

  static final String[] MODELS = {"logreg", "mlp", "cnn"};
  static final int[] BATCHES = {32, 8};
  static final double SECONDS = 1.5;

  static ModelSpec spec(String model) {
    int[] shape = {1, 28, 28};
    return switch (model) {
      case "logreg" -> new ModelSpec(ModelSpec.Type.LOGREG, null, shape, 10);
      case "mlp" -> new ModelSpec(ModelSpec.Type.MLP, new int[] {200, 200}, shape, 10);
      case "cnn" -> new ModelSpec(ModelSpec.Type.CNN, null, shape, 10);
      default -> throw new IllegalArgumentException(model);
    };
  }

  public static void main(String[] args) throws IOException {
    if (args.length >= 2 && args[0].equals("report")) {
      report(Path.of(args[1]));
      return;
    }
    boolean dl4j = args.length >= 2 && args[1].equals("dl4j");
    String engine = dl4j ? "dl4j" : "starling";
    ModelFactory factory = dl4j ? Dl4jModel::new : EngineModel::new;
    System.err.printf("# %s: vector kernels %s, %d lanes%n", engine, Gemm.VECTOR, Gemm.LANES);
    for (String model : MODELS) {
      for (int bs : BATCHES) {
        ModelSpec spec = spec(model);
        TrainingConfig tc = new TrainingConfig(1, bs, TrainingConfig.Optimizer.SGD, 0.05, 0.5, 0, 0, 0);
        Model m = factory.create(spec, tc, 1);
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[bs * spec.inputLength()];
        int[] y = new int[bs];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < bs; i++) {
          y[i] = r.nextInt(10);
        }
        double train = rate(() -> m.fitBatch(x, y, bs), bs);
        var data = new dev.starling.node.data.DenseDataset("bench", x, y, new int[] {1, 28, 28}, 10, null);
        int[] idx = new int[bs];
        Arrays.setAll(idx, i -> i);
        double eval = rate(() -> m.evaluate(data, idx), bs);
        System.out.printf(Locale.ROOT, "%s\t%s\t%d\ttrain\t%.1f%n", engine, model, bs, train);
        System.out.printf(Locale.ROOT, "%s\t%s\t%d\teval\t%.1f%n", engine, model, bs, eval);
        System.out.flush();
      }
    }
  }

  /** Samples per second of {@code step} (batch {@code bs}) after a warm-up of the same length. */
  static double rate(Runnable step, int bs) {
    for (int pass = 0; pass < 2; pass++) {
      long n = 0;
      long t0 = System.nanoTime();
      long end = t0 + (long) (SECONDS * 1e9);
      long t;
      do {
        step.run();
        n++;
        t = System.nanoTime();
      } while (t < end);
      if (pass == 1) {
        return n * bs / ((t - t0) * 1e-9);
      }
    }
    throw new AssertionError();
  }

  static void report(Path dir) throws IOException {
    Map<String, List<Double>> figures = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".tsv")).sorted().toList();
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f)) {
        String[] c = line.split("\t");
        if (c.length == 5 && !line.startsWith("#")) {
          figures.computeIfAbsent(c[0] + "/" + c[1] + "/" + c[2] + "/" + c[3], k -> new ArrayList<>())
              .add(Double.parseDouble(c[4]));
        }
      }
    }
    boolean torch = figures.keySet().stream().anyMatch(k -> k.startsWith("pytorch/"));
    boolean dl4j = figures.keySet().stream().anyMatch(k -> k.startsWith("dl4j/"));
    System.out.println("| model | batch | mode | Starling samples/s | "
        + (torch ? "PyTorch samples/s | Starling / PyTorch | " : "") + (dl4j ? "DL4J samples/s | Starling / DL4J |" : ""));
    System.out.println("|---|---|---|---|" + (torch ? "---|---|" : "") + (dl4j ? "---|---|" : ""));
    for (String model : MODELS) {
      for (int bs : BATCHES) {
        for (String mode : new String[] {"train", "eval"}) {
          String key = model + "/" + bs + "/" + mode;
          double s = median(figures.get("starling/" + key));
          StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %d | %s | %,.0f |", model, bs, mode, s));
          if (torch) {
            double t = median(figures.get("pytorch/" + key));
            row.append(String.format(Locale.ROOT, " %,.0f | **%.2f** |", t, s / t));
          }
          if (dl4j) {
            double d = median(figures.get("dl4j/" + key));
            row.append(String.format(Locale.ROOT, " %,.0f | %.1f |", d, s / d));
          }
          System.out.println(row);
        }
      }
    }
    int runs = figures.getOrDefault("starling/cnn/32/train", List.of()).size();
    System.out.printf("%nmedians of %d alternating runs per engine%n", runs);
  }

  static double median(List<Double> v) {
    if (v == null || v.isEmpty()) {
      return Double.NaN;
    }
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
