package dev.starling.app.member;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.report.RunWriter;
import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ExecutorCompute;
import dev.starling.node.runtime.Clock;
import dev.starling.node.runtime.FileStorage;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Storage;
import dev.starling.node.wire.proto.RunDone;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A member that has joined the cluster: its config, role, runtime, compute pool, clock, data and
 * output directory, plus what every role does the same way (log a line, wait for the end of the
 * run, write its {@code summary.json}). An algorithm family's member code runs on it.
 */
public final class MemberContext {

  private final SimConfig cfg;
  private final ClusterConfig cc;
  private final ClusterConfig.Layout layout;
  private final ClusterConfig.Member me;
  private final ClusterRuntime runtime;
  private final ExecutorCompute compute;
  private final DataLoader.Loaded data;
  private final Path out;
  private final PrintStream log;
  private final long t0;
  /** Fails (never succeeds) when a role or endpoint of this member throws. */
  private final CompletableFuture<Void> roleFailed = new CompletableFuture<>();
  /** Set once the member has written its final summary (a signal then changes nothing). */
  private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

  MemberContext(SimConfig cfg, ClusterConfig cc, ClusterConfig.Layout layout, ClusterConfig.Member me,
      ClusterRuntime runtime, ExecutorCompute compute, DataLoader.Loaded data, Path out, PrintStream log, long t0) {
    this.cfg = cfg;
    this.cc = cc;
    this.layout = layout;
    this.me = me;
    this.runtime = runtime;
    this.compute = compute;
    this.data = data;
    this.out = out;
    this.log = log;
    this.t0 = t0;
    runtime.onFailure(what -> roleFailed.completeExceptionally(new IllegalStateException(what)));
  }

  /** {@code f}, failed as soon as a role of this member fails (so nothing waits for the run timeout). */
  public <T> CompletableFuture<T> orRoleFailure(CompletableFuture<T> f) {
    roleFailed.whenComplete((v, t) -> {
      if (t != null) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  /** Whether the member has written its final summary. */
  boolean ended() {
    return ended.get();
  }

  /** Notes that the member wrote its final summary itself (the FL server writes the simulator's). */
  void markEnded() {
    ended.set(true);
  }

  public SimConfig cfg() {
    return cfg;
  }

  public ClusterConfig cluster() {
    return cc;
  }

  public ClusterConfig.Member me() {
    return me;
  }

  public ClusterRuntime runtime() {
    return runtime;
  }

  public DataLoader.Loaded data() {
    return data;
  }

  public Path out() {
    return out;
  }

  /** Every node id of the run. */
  public List<Integer> nodeIds() {
    return ClusterConfig.nodeIds(cfg, layout);
  }

  /** How many processes the run has. */
  public int memberCount() {
    return ClusterConfig.members(cfg, layout).size();
  }

  /** How long a member waits for the others at start. */
  public Duration startup() {
    return Duration.ofMillis(Math.round(cc.startupTimeoutS() * 1000));
  }

  /** Seconds since the member started. */
  public double elapsed() {
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * The ports of node {@code id} hosted by this member: its network endpoint, the compute pool,
   * wall-clock time, and its storage, a file under {@code <out>/checkpoint} when
   * {@code cluster.checkpoint} is on (a restarted member continues from it), none otherwise.
   */
  public NodePorts ports(int id) {
    Clock clock = this::elapsed;
    Storage storage = cc.checkpoint() ? new FileStorage(out.resolve("checkpoint").resolve("node-" + id + ".pb"))
        : Storage.NONE;
    return new NodePorts(id, runtime.network(id), compute, clock, storage);
  }

  /** One line of the member's log. */
  public void say(String fmt, Object... args) {
    say(log, me, fmt, args);
  }

  /** A log line of member {@code me}: wall-clock time, its label, the message. */
  static void say(PrintStream log, ClusterConfig.Member me, String fmt, Object... args) {
    log.printf(Locale.ROOT, "%s %s: %s%n", java.time.LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")),
        me.label(), String.format(Locale.ROOT, fmt, args));
    log.flush();
  }

  /**
   * Waits for the end of the run, lingers {@code lingerS} so the others can finish, and writes the
   * summary ({@code result} may hold final_model_sha256 and the member's final figures).
   */
  public int awaitEnd(CompletableFuture<RunDone> done, Map<String, Object> result, double lingerS)
      throws InterruptedException {
    Map<String, Object> x = new TreeMap<>();
    orRoleFailure(done);
    try {
      RunDone rd = done.get(Math.round(cc.runTimeoutS() * 1000), TimeUnit.MILLISECONDS);
      say("run over after %d rounds%s", rd.getRounds(), rd.getReason().isEmpty() ? "" : " (" + rd.getReason() + ")");
      if (lingerS > 0) {
        say("lingering %.0f s for the others", lingerS);
        Thread.sleep(Math.round(lingerS * 1000));
      }
      x.putAll(result);
      x.remove("final_model_sha256");
      x.put("rounds", rd.getRounds());
      writeSummary("completed", rd.getReason().isEmpty() ? null : rd.getReason(),
          (String) result.get("final_model_sha256"), x);
      return 0;
    } catch (ExecutionException e) {
      String why = e.getCause().getMessage();
      say("stopping: %s", why);
      x.putAll(result);
      x.remove("final_model_sha256");
      writeSummary("failed", why, null, x);
      return 1;
    } catch (TimeoutException e) {
      String why = String.format(Locale.ROOT, "the run did not end within %.0f s (cluster.run-timeout-s)", cc.runTimeoutS());
      say("%s", why);
      x.putAll(result);
      x.remove("final_model_sha256");
      writeSummary("failed", why, null, x);
      return 1;
    }
  }

  /** A member's summary.json (the FL server writes the simulator's instead). */
  void writeSummary(String status, String reason, String finalSha, Map<String, Object> extras) {
    ended.set(true);
    writeSummary(cfg, me, out, t0, status, reason, finalSha, runtime.stats(), extras);
  }

  static void writeSummary(SimConfig cfg, ClusterConfig.Member me, Path out, long t0, String status, String reason,
      String finalSha, ClusterRuntime.Stats st, Map<String, Object> extras) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", cfg.name());
    s.put("algorithm", cfg.algorithm());
    s.put("seed", cfg.seed());
    s.put("role", me.role().label());
    s.put("node_id", me.id());
    s.put("status", status);
    if (reason != null) {
      s.put("reason", reason);
    }
    s.putAll(extras);
    s.put("wall_time_s", (System.nanoTime() - t0) / 1e9);
    s.put("bytes_sent", st.bytesSent());
    s.put("bytes_received", st.bytesReceived());
    s.put("messages_sent", st.messagesSent());
    s.put("messages_received", st.messagesReceived());
    s.put("messages_rejected", st.rejected());
    s.put("messages_unrouted", st.unrouted());
    s.put("final_model_sha256", finalSha);
    s.put("config_sha256", RunWriter.configSha256(cfg.resolved()));
    try {
      Files.writeString(out.resolve("config.conf"), RunWriter.renderConfig(cfg.resolved()), StandardCharsets.UTF_8);
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("summary.json").toFile(), s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write results to " + out + ": " + e.getMessage(), e);
    }
  }
}
