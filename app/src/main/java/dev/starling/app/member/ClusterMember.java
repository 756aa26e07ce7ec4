package dev.starling.app.member;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.experiment.DilocoWorld;
import dev.starling.app.experiment.FlWorld;
import dev.starling.app.experiment.PeerWorld;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.Provenance;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.cluster.ExecutorCompute;
import dev.starling.cluster.Keys;
import dev.starling.node.UserError;
import dev.starling.node.diloco.DilocoListener;
import dev.starling.node.diloco.DilocoReplica;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerListener;
import dev.starling.node.fl.FlClient;
import dev.starling.node.fl.FlServer;
import dev.starling.node.fl.RoundListener;
import dev.starling.node.fl.RoundRecord;
import dev.starling.node.fl.ServerCheckpoints;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.runtime.Clock;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.proto.RoundSummary;
import dev.starling.node.wire.proto.RunDone;
import dev.starling.sampling.modest.View;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one cluster member: joins the cluster, builds its node exactly as the simulator would
 * (same partition, model, seeds), runs it on the real runtime (Artery, a thread pool, wall-clock
 * time), and leaves its results under the output directory: the server's {@code metrics.csv} and
 * {@code summary.json} in the simulator's format, every other member's {@code summary.json}.
 */
public final class ClusterMember {

  /** Command-line choices that override the config. */
  public record Options(Path out, String host, Integer port, List<String> seeds, Path keys) {}

  private final SimConfig cfg;
  private final ClusterConfig cc;
  private final ClusterConfig.Member me;
  private final Options opts;
  private final PrintStream log;
  private final long t0 = System.nanoTime();

  public ClusterMember(SimConfig cfg, ClusterConfig cc, ClusterConfig.Member me, Options opts, PrintStream log) {
    this.cfg = cfg;
    this.cc = cc;
    this.me = me;
    this.opts = opts;
    this.log = log;
  }

  private double elapsed() {
    return (System.nanoTime() - t0) / 1e9;
  }

  private void say(String fmt, Object... args) {
    log.printf(Locale.ROOT, "%s %s: %s%n", java.time.LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")), me.label(), String.format(Locale.ROOT, fmt, args));
    log.flush();
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
    String host = opts.host() != null ? opts.host() : cc.host();
    int port = opts.port() != null ? opts.port() : cc.port(me.id());
    List<String> seeds = opts.seeds() != null && !opts.seeds().isEmpty() ? opts.seeds() : cc.seeds(cfg);
    ClusterSettings settings = new ClusterSettings(cc.systemName(), host, port, seeds, tls, cc.chunkBytes(),
        cc.maxMessageBytes());
    DataLoader.Loaded data = DataLoader.load(cfg, line -> say("%s", line));
    say("starting on %s:%d (%s), seeds %s", host, port, tls == null ? "tcp" : "tls-tcp, mutual authentication", seeds);
    int threads = cfg.computeThreads() > 0 ? cfg.computeThreads() : 1;
    try (ClusterRuntime runtime = ClusterRuntime.start(settings, ClusterConfig.nodeIds(cfg));
        ExecutorCompute compute = new ExecutorCompute(threads)) {
      Duration startup = Duration.ofMillis(Math.round(cc.startupTimeoutS() * 1000));
      if (!runtime.awaitUp(startup)) {
        String why = String.format(Locale.ROOT, "could not join the cluster through %s within %.0f s (a seed member must be up,"
            + " and with TLS this member's certificate must be signed by the cluster CA)", seeds, cc.startupTimeoutS());
        say("%s", why);
        writeSummary(out, "failed", why, null, runtime.stats(), Map.of());
        return 1;
      }
      say("joined the cluster");
      Clock clock = this::elapsed;
      return switch (me.role()) {
        case SERVER -> runServer(runtime, compute, clock, data, out, startup);
        case CLIENT -> runClient(runtime, compute, clock, data, out);
        case PEER -> runPeer(runtime, compute, clock, data, out, startup);
        case REPLICA -> runReplica(runtime, compute, clock, data, out, startup);
      };
    }
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

  private int runServer(ClusterRuntime runtime, ExecutorCompute compute, Clock clock, DataLoader.Loaded data, Path out,
      Duration startup) throws InterruptedException {
    FlWorld world = new FlWorld(cfg, data);
    FlServer.Setup setup = world.server();
    ServerCheckpoints store = new ServerCheckpoints(out.resolve("checkpoint"));
    if (cc.checkpoint()) {
      setup = setup.withCheckpoints(store);
    }
    List<MetricsRow> rows = new ArrayList<>();
    CompletableFuture<float[]> finished = new CompletableFuture<>();
    String[] stopReason = new String[1];
    double[] resumedAt = new double[1]; // elapsed seconds of earlier incarnations
    try (RunWriter writer = new RunWriter(out)) {
      RoundListener listener = new RoundListener() {
        @Override
        public void resumed(List<RoundSummary> completed) {
          for (RoundSummary s : completed) {
            MetricsRow row = new MetricsRow(s.getRound(), s.getElapsedS(), s.getEvaluated() ? s.getAccuracy() : null,
                s.getEvaluated() ? s.getLoss() : null, s.getTrainLoss(), s.getAggregatedCount(), s.getInvitedCount(),
                s.getAttempts(), 0, 0, 0, 0, s.getHasEpsilon() ? s.getEpsilon() : null, null, 0, 0, 0, world.clients());
            rows.add(row);
            writer.row(row, s.getInvitedList(), s.getAggregatedList());
            resumedAt[0] = s.getElapsedS();
          }
          say("resumed from the checkpoint after round %d", completed.isEmpty() ? 0 : completed.get(completed.size() - 1).getRound());
        }

        @Override
        public void roundCompleted(RoundRecord r, float[] global) {
          var st = runtime.stats();
          double before = resumedAt[0];
          MetricsRow row = new MetricsRow(r.round(), before + elapsed(), r.evaluation() == null ? null : r.evaluation().accuracy(),
              r.evaluation() == null ? null : r.evaluation().loss(), r.trainLoss(), r.aggregated().size(),
              r.invited().size(), r.attempts(), st.bytesReceived(), st.bytesSent(), st.bytesReceived() + st.bytesSent(),
              st.messagesSent() + st.messagesReceived(), r.epsilon(), null, st.bytesReceived() + st.bytesSent(), 0, 0,
              world.clients());
          rows.add(row);
          writer.row(row, r.invited(), r.aggregated());
          say("round %d done: %d of %d invited aggregated (attempts %d)%s", r.round(), r.aggregated().size(),
              r.invited().size(), r.attempts(), r.evaluation() == null ? ""
                  : String.format(Locale.ROOT, ", accuracy %.2f %%", 100 * r.evaluation().accuracy()));
        }

        @Override
        public void finished(float[] params) {
          finished.complete(params);
        }

        @Override
        public void stoppedEarly(float[] params, String reason) {
          stopReason[0] = reason;
          finished.complete(params);
        }

        @Override
        public void failed(String reason) {
          finished.completeExceptionally(new IllegalStateException(reason));
        }
      };
      NodePorts ports = new NodePorts(FlWorld.SERVER, runtime.network(FlWorld.SERVER), compute, clock);
      var server = runtime.spawn("node-" + FlWorld.SERVER, FlServer.create(ports, setup, listener));
      if (!runtime.awaitRoutes(world.clientIds(), startup)) {
        say("starting without clients %s (not seen within %.0f s)", runtime.missing(world.clientIds()), cc.startupTimeoutS());
      } else {
        say("all %d clients are registered; starting", world.clients());
      }
      server.tell(new FlServer.Start());
      float[] params = null;
      String failure = null;
      try {
        params = finished.get(Math.round(cc.runTimeoutS() * 1000), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause().getMessage();
      } catch (TimeoutException e) {
        failure = String.format(Locale.ROOT, "run timed out after %.0f s (cluster.run-timeout-s)", cc.runTimeoutS());
      }
      int completed = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).round();
      runtime.broadcastRunDone(FlWorld.SERVER, completed, failure != null ? failure : stopReason[0]);
      Thread.sleep(1500); // let the RunDone frames leave before the transport stops
      var st = runtime.stats();
      Map<String, Object> extras = new LinkedHashMap<>();
      extras.put("role", me.role().label());
      extras.put("node_id", me.id());
      extras.put("members", ClusterConfig.members(cfg).size());
      extras.put("messages_rejected", st.rejected());
      extras.put("messages_unrouted", st.unrouted());
      RunResult result = new RunResult(cfg.name(), cfg.algorithm(), cfg.seed(), List.copyOf(rows), params, elapsed(),
          0, 0, out, failure, stopReason[0], extras);
      Map<String, Object> summary = writer.finish(result, cfg.resolved(), Provenance.of(cfg.data().dataset(), data.sha256()),
          cfg.output().plot());
      say("%s after %d rounds; final model sha256 %s", failure == null ? "finished" : "failed: " + failure, completed,
          summary.get("final_model_sha256"));
      return failure == null ? 0 : 1;
    }
  }

  /**
   * One throwaway local training on this client's data before it registers, so that ND4J's native
   * start-up and the JIT happen now rather than in round 1, where they made the first attempts miss
   * the deadline (2-4 attempts on a cold start). Training resets the model and its optimizer and
   * takes its own seed, so nothing of this reaches a round.
   */
  private static void warmUp(FlClient.Setup setup) {
    var models = setup.models();
    var tc = models.training();
    var once = new dev.starling.node.learning.TrainingConfig(Math.min(tc.epochs(), 50), tc.batchSize(), tc.optimizer(),
        tc.learningRate(), tc.momentum(), tc.weightDecay(), tc.proxMu(), tc.maxSteps());
    var model = models.get();
    dev.starling.node.learning.LocalTrainer.train(model, model.params(), setup.data(), setup.indices(), once, 0);
  }

  private int runClient(ClusterRuntime runtime, ExecutorCompute compute, Clock clock, DataLoader.Loaded data, Path out)
      throws InterruptedException {
    FlWorld world = new FlWorld(cfg, data);
    CompletableFuture<RunDone> done = new CompletableFuture<>();
    runtime.onRunDone((from, rd) -> {
      if (from == FlWorld.SERVER) {
        done.complete(rd);
      }
    });
    NodePorts ports = new NodePorts(me.id(), runtime.network(me.id()), compute, clock);
    FlClient.Setup setup = world.client(me.id());
    warmUp(setup);
    runtime.spawn("node-" + me.id(), FlClient.create(ports, setup));
    say("ready with %d local samples", world.localSamples(me.id()));
    return awaitEnd(runtime, done, out, Map.of("local_samples", world.localSamples(me.id())), 0);
  }

  /** MoDeST or a DL baseline peer: runs until the last round is done, then lingers for the others. */
  private int runPeer(ClusterRuntime runtime, ExecutorCompute compute, Clock clock, DataLoader.Loaded data, Path out,
      Duration startup) throws InterruptedException {
    PeerWorld world = new PeerWorld(cfg, data);
    int n = cfg.clients();
    int rounds = cfg.rounds();
    CompletableFuture<RunDone> done = new CompletableFuture<>();
    runtime.onRunDone((from, rd) -> done.complete(rd));
    Map<String, Object> result = new java.util.concurrent.ConcurrentHashMap<>();
    boolean modest = "modest".equals(cfg.algorithm());
    PeerListener listener = new PeerListener() {
      @Override
      public void aggregated(AggregationRecord r, float[] params) {
        say("aggregated round %d from %d of %d models%s", r.round(), r.contributors().size(), r.participants().size(),
            r.timedOut() ? " (timeout)" : "");
        if (r.round() >= rounds && !done.isDone()) {
          finalModel(world, params, r.round(), result);
          runtime.broadcastRunDone(me.id(), (int) r.round(), "");
          done.complete(RunDone.newBuilder().setRounds((int) r.round()).build());
        }
      }

      @Override
      public void roundDone(int node, long round, float[] params, double trainLoss) {
        if (!modest && round >= rounds && !done.isDone()) {
          finalModel(world, params, round, result);
          done.complete(RunDone.newBuilder().setRounds((int) round).build());
        }
      }
    };
    NodePorts ports = new NodePorts(me.id(), runtime.network(me.id()), compute, clock);
    var peer = runtime.spawn("node-" + me.id(), world.peer(me.id(), ports, listener, View.initial(n, i -> false), true));
    List<Integer> others = new ArrayList<>(ClusterConfig.nodeIds(cfg));
    if (!runtime.awaitRoutes(others, startup)) {
      say("starting without peers %s (not seen within %.0f s)", runtime.missing(others), cc.startupTimeoutS());
    }
    peer.tell(new PeerCommand.Start());
    say("started with %d local samples", world.parts()[me.id()].length);
    return awaitEnd(runtime, done, out, result, cc.lingerS());
  }

  private void finalModel(PeerWorld world, float[] params, long round, Map<String, Object> result) {
    Model m = world.pool().get();
    m.setParams(params);
    Evaluation ev = m.evaluate(world.test(), null);
    result.put("final_round", round);
    result.put("final_accuracy", ev.accuracy());
    result.put("final_model_sha256", RunWriter.modelSha256(params));
    say("round %d model: accuracy %.2f %%", round, 100 * ev.accuracy());
  }

  /** A DiLoCo replica; replica 0 also hosts the reducer (node M), which announces the end. */
  private int runReplica(ClusterRuntime runtime, ExecutorCompute compute, Clock clock, DataLoader.Loaded data, Path out,
      Duration startup) throws InterruptedException {
    DilocoWorld world = new DilocoWorld(cfg, data);
    int reducer = world.reducerId();
    boolean host = me.id() == 0;
    CompletableFuture<RunDone> done = new CompletableFuture<>();
    Map<String, Object> result = new java.util.concurrent.ConcurrentHashMap<>();
    runtime.onRunDone((from, rd) -> {
      if (from == reducer) {
        done.complete(rd);
      }
    });
    DilocoListener listener = new DilocoListener() {
      @Override
      public void roundCompleted(int round, Double accuracy, Double loss, float[] global, double trainLoss, long bytes) {
        say("outer round %d done%s", round, accuracy == null ? "" : String.format(Locale.ROOT, ", accuracy %.2f %%",
            100 * accuracy));
        if (accuracy != null) {
          result.put("final_accuracy", accuracy);
        }
        result.put("final_round", round);
      }

      @Override
      public void finished(float[] global) {
        result.put("final_model_sha256", RunWriter.modelSha256(global));
        int r = ((Number) result.getOrDefault("final_round", 0)).intValue();
        runtime.broadcastRunDone(reducer, r, "");
        done.complete(RunDone.newBuilder().setRounds(r).build());
      }
    };
    var replica = runtime.spawn("node-" + me.id(), world.replica(me.id(), new NodePorts(me.id(),
        runtime.network(me.id()), compute, clock), listener));
    if (host) {
      runtime.spawn("node-" + reducer, world.reducer(new NodePorts(reducer, runtime.network(reducer), compute, clock),
          listener));
    }
    List<Integer> all = ClusterConfig.nodeIds(cfg);
    if (!runtime.awaitRoutes(all, startup)) {
      say("starting without %s (not seen within %.0f s)", runtime.missing(all), cc.startupTimeoutS());
    }
    replica.tell(new DilocoReplica.Start());
    say("started with %d local samples%s", world.parts()[me.id()].length, host ? "; hosting the reducer (node " + reducer + ")" : "");
    return awaitEnd(runtime, done, out, result, cc.lingerS());
  }

  /**
   * Waits for the end of the run, lingers {@code lingerS} so the others can finish, and writes the
   * summary ({@code result} may hold final_model_sha256 and the member's final figures).
   */
  private int awaitEnd(ClusterRuntime runtime, CompletableFuture<RunDone> done, Path out, Map<String, Object> result,
      double lingerS) throws InterruptedException {
    Map<String, Object> x = new java.util.TreeMap<>();
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
      writeSummary(out, "completed", rd.getReason().isEmpty() ? null : rd.getReason(),
          (String) result.get("final_model_sha256"), runtime.stats(), x);
      return 0;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      String why = String.format(Locale.ROOT, "the run did not end within %.0f s (cluster.run-timeout-s)", cc.runTimeoutS());
      say("%s", why);
      x.putAll(result);
      x.remove("final_model_sha256");
      writeSummary(out, "failed", why, null, runtime.stats(), x);
      return 1;
    }
  }

  /** A member's summary.json (the FL server writes the simulator's instead). */
  void writeSummary(Path out, String status, String reason, String finalSha, ClusterRuntime.Stats st,
      Map<String, Object> extras) {
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
    s.put("wall_time_s", elapsed());
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
