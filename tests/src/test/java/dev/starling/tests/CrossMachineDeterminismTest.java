package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same config and seed give the same bytes whatever the CPU: runs in separate JVMs forced onto
 * different kernel choices (OpenBLAS core types, AVX levels, 128-bit vectors, scalar kernels,
 * software FMA; another JDK when one is installed) produce byte-identical metrics.csv and the same
 * final model hash, for a CNN on images and an MLP with AdamW and central Gaussian DP.
 */
class CrossMachineDeterminismTest {

  @TempDir Path dir;

  private record Variant(String name, List<String> jvm, Map<String, String> env, String java) {}

  private static List<Variant> variants() {
    String home = System.getProperty("java.home");
    List<Variant> v = new ArrayList<>();
    boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64");
    if (x86) {
      v.add(new Variant("prescott-avx0", List.of("-XX:UseAVX=0"), Map.of("OPENBLAS_CORETYPE", "Prescott"), home));
      v.add(new Variant("haswell-avx2", List.of("-XX:UseAVX=2"), Map.of("OPENBLAS_CORETYPE", "Haswell"), home));
      v.add(new Variant("skylakex-avx3", List.of("-XX:UseAVX=3"), Map.of("OPENBLAS_CORETYPE", "SkylakeX"), home));
    }
    v.add(new Variant("vector-128", List.of("-XX:MaxVectorSize=16"), Map.of(), home));
    v.add(new Variant("scalar", List.of("-Dstarling.engine.scalar=true"), Map.of(), home));
    v.add(new Variant("scalar-emulated-fma", List.of("-Dstarling.engine.fma=false"), Map.of(), home));
    for (String other : new String[] {"/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/java-21-openjdk-amd64"}) {
      if (Files.isExecutable(Paths.get(other, "bin", "java")) && !Paths.get(other).equals(Paths.get(home))) {
        v.add(new Variant("jdk-" + Paths.get(other).getFileName(), List.of(), Map.of(), other));
      }
    }
    return v;
  }

  /** A small LEAF JSON set of 28x28 images: class c has a bright bar at row band c, plus noise. */
  private static void writeImages(Path file, int users, int perUser, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder users_ = new StringBuilder();
    StringBuilder counts = new StringBuilder();
    StringBuilder data = new StringBuilder();
    for (int u = 0; u < users; u++) {
      String name = "u" + u;
      users_.append(u > 0 ? "," : "").append('"').append(name).append('"');
      counts.append(u > 0 ? "," : "").append(perUser);
      StringBuilder xs = new StringBuilder();
      StringBuilder ys = new StringBuilder();
      for (int s = 0; s < perUser; s++) {
        int c = r.nextInt(4);
        xs.append(s > 0 ? "," : "").append('[');
        for (int i = 0; i < 784; i++) {
          int row = i / 28;
          double v = (row >= 4 + 6 * c && row < 8 + 6 * c ? 0.8 : 0) + 0.3 * r.nextDouble();
          xs.append(i > 0 ? "," : "").append(String.format(java.util.Locale.ROOT, "%.3f", v));
        }
        xs.append(']');
        ys.append(s > 0 ? "," : "").append(c);
      }
      data.append(u > 0 ? "," : "").append('"').append(name).append("\":{\"x\":[").append(xs).append("],\"y\":[")
          .append(ys).append("]}");
    }
    Files.writeString(file, "{\"users\":[" + users_ + "],\"num_samples\":[" + counts + "],\"user_data\":{" + data + "}}",
        StandardCharsets.UTF_8);
  }

  private Path run(Variant v, String name, List<String> args) throws IOException, InterruptedException {
    Path out = dir.resolve(v.name()).resolve(name);
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(v.java(), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.addAll(v.jvm());
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.starling.app.cli.Main");
    cmd.add("simulate");
    cmd.addAll(args);
    cmd.addAll(List.of("--out", out.toString(), "--quiet", "--set", "output.plot=false"));
    Path log = dir.resolve(v.name() + "-" + name + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().putAll(v.env());
    int code = Members.await(pb.start(), 300);
    assertEquals(0, code, () -> v.name() + "/" + name + " failed:\n" + read(log));
    return out;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static JsonNode summary(Path run) throws IOException {
    return new ObjectMapper().readTree(run.resolve("summary.json").toFile());
  }

  @Test
  void forcedKernelChoicesAndVectorWidthsGiveOneHash() throws Exception {
    Path train = dir.resolve("images-train.json");
    Path test = dir.resolve("images-test.json");
    writeImages(train, 4, 24, 1);
    writeImages(test, 1, 40, 2);
    Map<String, List<String>> configs = new LinkedHashMap<>();
    configs.put("cnn", List.of(Cli.CONFIGS.resolve("fl-synthetic.conf").toString(),
        "--set", "data.dataset=leaf", "--set", "data.leaf.train=" + train, "--set", "data.leaf.test=" + test,
        "--set", "data.partition=natural", "--set", "model.type=cnn", "--set", "clients.count=4",
        "--set", "server.clients-per-round=2", "--set", "rounds=2", "--set", "training.epochs=1",
        "--set", "training.batch-size=8", "--set", "training.momentum=0.5"));
    configs.put("mlp-adamw-dp", List.of(Cli.CONFIGS.resolve("fl-synthetic.conf").toString(),
        "--set", "model.type=mlp", "--set", "model.hidden=[24,16]", "--set", "training.optimizer=adamw",
        "--set", "training.learning-rate=0.01", "--set", "training.weight-decay=0.01", "--set", "rounds=3",
        "--set", "privacy.mechanism=gaussian", "--set", "privacy.noise-multiplier=0.5", "--set", "privacy.clip=1"));
    // exact integer sums under SecAgg masks, and the asynchronous server's staleness-weighted steps
    configs.put("rqm-secagg", List.of(Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--set", "rounds=3",
        "--set", "privacy.mechanism=rqm", "--set", "secagg.enabled=true", "--set", "server.min-clients=5"));
    configs.put("fedbuff", List.of(Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--set", "rounds=6",
        "--set", "algorithm=fedbuff", "--set", "model.type=mlp", "--set", "model.hidden=[16]"));
    Map<String, byte[]> metrics = new LinkedHashMap<>();
    Map<String, String> hashes = new LinkedHashMap<>();
    TreeSet<String> kernels = new TreeSet<>();
    for (Variant v : variants()) {
      for (Map.Entry<String, List<String>> c : configs.entrySet()) {
        Path out = run(v, c.getKey(), c.getValue());
        byte[] m = Files.readAllBytes(out.resolve("metrics.csv"));
        String h = summary(out).get("final_model_sha256").asText();
        kernels.add(summary(out).get("provenance").get("engine_kernels").asText());
        byte[] first = metrics.putIfAbsent(c.getKey(), m);
        String firstHash = hashes.putIfAbsent(c.getKey(), h);
        if (first != null) {
          assertArrayEquals(first, m, v.name() + ": metrics.csv of " + c.getKey() + " differs");
          assertEquals(firstHash, h, v.name() + ": model of " + c.getKey() + " differs");
        }
      }
    }
    System.out.println("one hash per config across " + variants().size() + " JVM variants: " + hashes + "; kernels " + kernels);
    assertEquals(configs.size(), hashes.size());
    assertTrue(new String(metrics.get("cnn"), StandardCharsets.UTF_8).lines().count() == 3, "header + 2 rounds");
    // The variants really took different code paths: vector kernels at two widths, scalar, software FMA.
    assertTrue(kernels.size() >= 3, "kernel paths seen: " + kernels);
    assertTrue(kernels.stream().anyMatch(k -> k.contains("emulated")), "kernel paths seen: " + kernels);
  }
}
