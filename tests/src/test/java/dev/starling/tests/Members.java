package dev.starling.tests;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts real cluster members (separate JVMs running the CLI) and watches their logs. */
final class Members implements AutoCloseable {

  private final List<Process> started = new ArrayList<>();

  /** The java command that runs the CLI on this test JVM's classpath. */
  static List<String> java() {
    return java("dev.starling.app.cli.Main");
  }

  /** The java command that runs {@code mainClass} on this test JVM's classpath. */
  static List<String> java(String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  /** Runs {@code args} in a new JVM, output to {@code log}. */
  Process start(Path log, String... args) throws IOException {
    return startMain(log, "dev.starling.app.cli.Main", args);
  }

  /** Runs {@code mainClass} with {@code args} in a new JVM, output to {@code log}. */
  Process startMain(Path log, String mainClass, String... args) throws IOException {
    List<String> cmd = java(mainClass);
    cmd.addAll(List.of(args));
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** Waits until {@code log} contains {@code text}; fails after {@code seconds}. */
  static String awaitLog(Path log, String text, double seconds) throws IOException, InterruptedException {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      if (Files.exists(log)) {
        String s = Files.readString(log, StandardCharsets.UTF_8);
        if (s.contains(text)) {
          return s;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("'" + text + "' did not appear in " + log + " within " + seconds + " s:\n"
        + (Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)"));
  }

  static int await(Process p, double seconds) throws InterruptedException {
    if (!p.waitFor((long) (seconds * 1000), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("process did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }

  /**
   * A base port with {@code n} free consecutive ports above it, below the kernel's ephemeral
   * range: a port in that range that is free now can be taken by any outgoing connection (or a
   * port-0 listener, as Artery's) before a member binds it, which made a test fail with "address
   * already in use".
   */
  static int freeBasePort(int n) throws IOException {
    int ephemeralLow = 32768;
    try {
      ephemeralLow = Integer.parseInt(Files.readString(Paths.get("/proc/sys/net/ipv4/ip_local_port_range")).trim()
          .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: keep the usual default
    }
    int low = 10000;
    int span = Math.max(1000, ephemeralLow - low - n);
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = low + (int) (Math.random() * span);
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        try (ServerSocket s = new ServerSocket(base + i)) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        return base;
      }
    }
    throw new IOException("no " + n + " free consecutive ports");
  }

  @Override
  public void close() {
    for (Process p : started) {
      p.destroyForcibly();
    }
    for (Process p : started) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
