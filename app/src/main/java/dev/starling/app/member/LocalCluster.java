package dev.starling.app.member;

import dev.starling.app.config.SimConfig;
import dev.starling.cluster.Keys;
import dev.starling.node.UserError;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code starling node local}: starts every member of a setup as its own JVM on this machine (the
 * same command line a user would type per machine), waits for all of them to exit, and stops
 * every process it started, whatever happens (including Ctrl-C). Keys are made on the fly when the
 * config wants TLS and the output directory has none.
 */
public final class LocalCluster {

  private final Path config;
  private final SimConfig cfg;
  private final ClusterConfig.Layout layout;
  private final List<String> overrides;
  private final Path out;
  private final PrintStream err;

  private final String cliMain;

  /**
   * @param config the config file every member reads, already loaded as {@code cfg} (with {@code overrides})
   * @param layout the processes of the run, named by the algorithm's family
   * @param cliMain the CLI's main class, which every member JVM runs ({@code node --role ...})
   */
  public LocalCluster(Path config, SimConfig cfg, ClusterConfig.Layout layout, List<String> overrides, Path out,
      PrintStream err, String cliMain) {
    this.cliMain = cliMain;
    this.config = config;
    this.cfg = cfg;
    this.layout = layout;
    this.overrides = List.copyOf(overrides);
    this.out = out;
    this.err = err;
  }

  /** The installation directory (the launcher sets starling.home), else the working directory. */
  public static Path home() {
    String h = System.getProperty("starling.home");
    if (h != null) {
      return Paths.get(h);
    }
    Path cwd = Paths.get("").toAbsolutePath();
    return Files.isDirectory(cwd.resolve("configs")) || cwd.getParent() == null ? cwd : cwd.getParent();
  }

  /** The java command line that runs {@code mainClass} with this JVM's classpath and memory flags. */
  public static List<String> javaCommand(String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-Xmx") || a.startsWith("-Xss") || a.startsWith("-Dorg.bytedeco") || a.startsWith("--add-modules")
          || a.startsWith("-Dstarling.")) {
        cmd.add(a);
      }
    }
    if (cmd.stream().noneMatch(a -> a.startsWith("-Xmx"))) {
      cmd.add("-Xmx1g");
    }
    cmd.add("-cp");
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
    for (Path jar : dev.starling.app.plugin.Plugins.jars()) { // a member finds the plugins on its class path
      cp.append(java.io.File.pathSeparatorChar).append(jar);
    }
    cmd.add(cp.toString());
    cmd.add(mainClass);
    return cmd;
  }

  public int run() throws IOException, InterruptedException {
    ClusterConfig cc = ClusterConfig.of(cfg);
    if (Files.exists(out) && Files.list(out).findAny().isPresent()) {
      throw new UserError("--out " + out + " is not empty; choose another directory");
    }
    Files.createDirectories(out);
    List<ClusterConfig.Member> members = ClusterConfig.members(cfg, layout);
    Path keys = out.resolve("keys");
    if (cc.tls()) {
      Keys.make(keys, members.size(), "ip:127.0.0.1,dns:localhost", 30);
    }
    Map<ClusterConfig.Member, Process> procs = new LinkedHashMap<>();
    // Ctrl-C (or a kill of this JVM) must not leave members running.
    Thread stopAll = new Thread(() -> procs.values().forEach(Process::destroyForcibly));
    Runtime.getRuntime().addShutdownHook(stopAll);
    err.printf("starling: %s: starting %d members (%s) in %s%n", cfg.name(), members.size(),
        cc.tls() ? "TLS, keys in " + keys : "plain TCP", out);
    long t0 = System.nanoTime();
    for (ClusterConfig.Member m : members) {
      Path dir = out.resolve(m.label());
      Files.createDirectories(dir);
      List<String> cmd = javaCommand(cliMain);
      cmd.addAll(List.of("node", "--config", config.toString(), "--role", m.role().label(), "--id", Integer.toString(m.id()),
          "--out", dir.toString(), "--keys", keys.toString()));
      for (String o : overrides) {
        cmd.add("--set");
        cmd.add(o);
      }
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("node.log").toFile());
      pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
      procs.put(m, pb.start());
    }
    long deadline = System.nanoTime() + (long) ((cc.runTimeoutS() + cc.startupTimeoutS() + 60) * 1e9);
    int worst = 0;
    boolean coordinated = layout.coordinated(); // the first member announces the end
    ClusterConfig.Member first = members.get(0);
    try {
      List<ClusterConfig.Member> running = new ArrayList<>(members);
      while (!running.isEmpty()) {
        for (var it = running.iterator(); it.hasNext(); ) {
          ClusterConfig.Member m = it.next();
          Process p = procs.get(m);
          if (!p.isAlive()) {
            it.remove();
            int code = p.exitValue();
            err.printf("starling: %s exited with %d%n", m.label(), code);
            worst = Math.max(worst, code == 0 ? 0 : 1);
            if (coordinated && m.equals(first)) {
              // the others hear the end of the run at once; give them a grace period
              deadline = Math.min(deadline, System.nanoTime() + 60_000_000_000L);
            }
          }
        }
        if (!running.isEmpty() && System.nanoTime() > deadline) {
          err.printf("starling: %s did not finish in time; stopping every member%n", running);
          worst = 1;
          break;
        }
        Thread.sleep(200);
      }
    } finally {
      for (Process p : procs.values()) {
        if (p.isAlive()) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      Runtime.getRuntime().removeShutdownHook(stopAll);
    }
    err.printf("starling: %s finished in %.1f s; logs and summary.json under %s%n", cfg.name(),
        (System.nanoTime() - t0) / 1e9, out);
    reportResult(out);
    return worst;
  }

  /** The final accuracy and model hash of the member that holds the global model (the first that reports them). */
  private void reportResult(Path out) {
    try (var dirs = Files.list(out)) {
      for (Path d : dirs.sorted().toList()) {
        Path summary = d.resolve("summary.json");
        if (!Files.exists(summary)) {
          continue;
        }
        var s = new com.fasterxml.jackson.databind.ObjectMapper().readTree(summary.toFile());
        if (s.hasNonNull("final_model_sha256") && s.hasNonNull("final_accuracy")) {
          err.printf(java.util.Locale.ROOT, "starling: %s: final accuracy %.2f %%, final model sha256 %s%n",
              d.getFileName(), s.get("final_accuracy").asDouble() * 100, s.get("final_model_sha256").asText());
          return;
        }
      }
    } catch (java.io.IOException e) {
      err.println("starling: cannot read the members' summaries under " + out + ": " + e.getMessage());
    }
  }
}
