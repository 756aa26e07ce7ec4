package dev.starling.app.member;

import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.cluster.ExecutorCompute;
import dev.starling.cluster.Keys;
import dev.starling.node.UserError;
import dev.starling.node.fl.ServerCheckpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one cluster member: joins the cluster over Artery (mutual TLS unless turned off), then
 * hands a {@link MemberContext} to the algorithm family's member code, which builds its node
 * exactly as the simulator would (same partition, model, seeds) and runs it on the real runtime
 * (Artery, a thread pool, wall-clock time).
 */
public final class ClusterMember {

  /** Command-line choices that override the config. */
  public record Options(Path out, String host, Integer port, List<String> seeds, Path keys) {}

  /** What a joined member runs: the algorithm family's member code. */
  @FunctionalInterface
  public interface Body {
    int run(MemberContext member) throws InterruptedException;
  }

  private final SimConfig cfg;
  private final ClusterConfig cc;
  private final ClusterConfig.Layout layout;
  private final ClusterConfig.Member me;
  private final Options opts;
  private final PrintStream log;
  private final Body body;
  private final long t0 = System.nanoTime();

  public ClusterMember(SimConfig cfg, ClusterConfig cc, ClusterConfig.Layout layout, ClusterConfig.Member me,
      Options opts, PrintStream log, Body body) {
    this.cfg = cfg;
    this.cc = cc;
    this.layout = layout;
    this.me = me;
    this.opts = opts;
    this.log = log;
    this.body = body;
  }

  private void say(String fmt, Object... args) {
    MemberContext.say(log, me, fmt, args);
  }

  /** Runs the member to the end of the run; returns the process exit code. */
  public int run() throws InterruptedException {
    Path out = opts.out();
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UserError("--out " + out + ": cannot create the directory (" + e.getMessage() + ")");
    }
    if (me.role() == ClusterConfig.Role.SERVER) {
      refuseFinishedRun(out);
    }
    ClusterSettings.Tls tls = cc.tls() ? Keys.forNode(opts.keys() != null ? opts.keys() : cc.keysDir(), me.id()) : null;
    if (tls != null) {
      int named = dev.starling.cluster.Identity.load(tls).member(); // a wrong password or store: one line, now
      if (named != me.id()) {
        throw new UserError(tls.keyStore() + " holds the certificate of node " + named + ", not of node " + me.id());
      }
    }
    String host = opts.host() != null ? opts.host() : cc.host();
    int port = opts.port() != null ? opts.port() : cc.port(me.id());
    List<String> seeds = opts.seeds() != null && !opts.seeds().isEmpty() ? opts.seeds() : cc.seeds(cfg, layout);
    checkBindable(host, port);
    ClusterSettings settings = new ClusterSettings(cc.systemName(), host, port, seeds, tls, cc.chunkBytes(),
        cc.maxMessageBytes(), ClusterConfig.runId(cfg));
    DataLoader.Loaded data = DataLoader.load(cfg, line -> say("%s", line));
    say("starting on %s:%d (%s), seeds %s", host, port, tls == null ? "tcp" : "tls-tcp, mutual authentication", seeds);
    int threads = cfg.computeThreads() > 0 ? cfg.computeThreads() : 1;
    try (ClusterRuntime runtime = ClusterRuntime.start(settings, ClusterConfig.nodeIds(cfg, layout),
        ClusterConfig.hostOf(cfg, layout));
        ExecutorCompute compute = new ExecutorCompute(threads)) {
      MemberContext member = new MemberContext(cfg, cc, layout, me, runtime, compute, data, out, log, t0);
      if (!runtime.awaitUp(member.startup())) {
        String why = String.format(Locale.ROOT, "could not join the cluster through %s within %.0f s (a seed member must be up,"
            + " and with TLS this member's certificate must be signed by the cluster CA)", seeds, cc.startupTimeoutS());
        say("%s", why);
        member.writeSummary("failed", why, null, Map.of());
        return 1;
      }
      say("joined the cluster");
      // kill -TERM (or Ctrl-C) before the end: the summary says so instead of being missing.
      Thread onSignal = new Thread(() -> {
        if (!member.ended()) {
          member.say("stopped by a signal before the run ended");
          member.writeSummary("stopped", "terminated by a signal (SIGTERM or SIGINT) before the run ended", null, Map.of());
        }
      }, "starling-summary-on-signal");
      Runtime.getRuntime().addShutdownHook(onSignal);
      try {
        return body.run(member);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(onSignal);
        } catch (IllegalStateException e) {
          // already shutting down: the hook runs
        }
      }
    }
  }

  /** The address resolves to this machine and the port is free: else one line now, not Pekko's trace later. */
  static void checkBindable(String host, int port) {
    dev.starling.cluster.Bind.check(host, port, "--host", "cluster.host", "--port");
  }

  /** A server --out that holds a run's rows may only be reused to resume from its checkpoint. */
  private void refuseFinishedRun(Path out) {
    Path metrics = out.resolve("metrics.csv");
    boolean resumable = cc.checkpoint() && Files.exists(new ServerCheckpoints(out.resolve("checkpoint")).file());
    try {
      if (!resumable && Files.exists(metrics) && Files.readAllLines(metrics).size() > 1) {
        throw new UserError("--out " + out + " already holds a run (metrics.csv) and no checkpoint to resume from;"
            + " choose another --out");
      }
    } catch (IOException e) {
      throw new UserError("--out " + out + ": metrics.csv is unreadable (" + e.getMessage() + ")");
    }
  }
}
