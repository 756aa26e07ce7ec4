package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import dev.starling.node.data.Dataset;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerListener;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.Seeds;
import dev.starling.sampling.modest.View;
import dev.starling.simulator.runtime.AvailabilityPlan;
import dev.starling.simulator.runtime.SimHarness;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Serverless learning in the simulator: MoDeST, D-PSGD, Epidemic Learning and gossip learning on
 * {@code clients.count} peers (ids 0..n-1), with the same data split, model and initial
 * parameters as the FL simulation of the same config, plus churn: injected failures (at a round
 * or a time) and availability (a trace or a generator). Writes one metrics row per round and
 * {@code failures.csv} with every injected switch.
 */
public final class DlSimulation {

  private DlSimulation() {}

  public static RunResult run(SimConfig cfg, PeerWorld world, RunWriter writer, Consumer<MetricsRow> progress) {
    return new Run(cfg, world, writer, progress).run();
  }

  /**
   * Shard {@code plan.self()}'s part of a sharded run of {@code cfg}: its peers, with the same
   * initial view as the coordinator's, reporting their rounds to the coordinator as notes.
   */
  public static dev.starling.app.shard.ShardServer.Served shard(SimConfig cfg, PeerWorld world) {
    int n = cfg.clients();
    AvailabilityPlan plan = AvailabilityPlan.of(cfg.availability(), n, Seeds.derive(cfg.seed(), 8));
    View initialView = View.initial(n, i -> !plan.initiallyOnline(i));
    SimHarness sim = SimSetup.shardHarness(cfg, n, Set.of());
    PeerListener noting = PeerNotes.noting(sim);
    sim.signals(PeerNotes::signal);
    sim.nodes(i -> world.peer(i, sim.ports(i), noting, initialView));
    return new dev.starling.app.shard.ShardServer.Served(sim, n);
  }

  private static final class Run {
    final SimConfig cfg;
    final PeerWorld world;
    final RunWriter writer;
    final Consumer<MetricsRow> progress;
    final int n;
    final boolean[] online;
    final long[] maxReported;
    final List<MetricsRow> rows = new ArrayList<>();
    final TreeMap<Long, TreeMap<Integer, Report>> pending = new TreeMap<>();
    long nextRound = 1;
    long lastModestRound;
    float[] finalParams;
    double lastProgressTime;
    boolean done;
    long heapAtEnd = -1;
    String failure;
    SimHarness sim;
    PeerListener listener;
    View initialView;
    ModelPool pool;
    Dataset test;
    ExecutorService evaluators;
    BufferedWriter failuresLog;
    AvailabilityPlan plan;

    record Report(float[] params, double trainLoss) {}

    Run(SimConfig cfg, PeerWorld world, RunWriter writer, Consumer<MetricsRow> progress) {
      this.cfg = cfg;
      this.world = world;
      this.writer = writer;
      this.progress = progress;
      this.n = cfg.clients();
      this.online = new boolean[n];
      this.maxReported = new long[n];
    }

    RunResult run() {
      long t0 = System.nanoTime();
      int[][] parts = world.parts();
      pool = world.pool();
      test = world.test();
      int[] localSamples = new int[n];
      for (int i = 0; i < n; i++) {
        localSamples[i] = parts[i].length;
      }
      plan = AvailabilityPlan.of(cfg.availability(), n, Seeds.derive(cfg.seed(), 8));
      for (int i = 0; i < n; i++) {
        online[i] = plan.initiallyOnline(i);
      }
      int threads = SimSetup.threads(cfg);
      evaluators = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "starling-eval");
        t.setDaemon(true);
        return t;
      });
      try {
        failuresLog = Files.newBufferedWriter(writer.dir().resolve("failures.csv"), StandardCharsets.UTF_8);
        failuresLog.write("virtual_time_s,node,event\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      listener = listener();
      try (SimHarness s = SimSetup.harness(cfg, n, Set.of(), localSamples, writer)) {
        sim = s;
        initialView = View.initial(n, i -> !online[i]); // offline at 0: LEAVE in every view ("out-of-band")
        SimSetup.spread(cfg, sim, n, writer.dir());
        sim.signals(PeerNotes::signal);
        sim.nodes(i -> world.peer(i, sim.ports(i), listener, initialView));
        sim.onNotes(note -> PeerNotes.replay(note, listener));
        sim.batch(() -> {
          for (int i = 0; i < n; i++) {
            if (online[i]) {
              sim.start(i);
            }
          }
          for (int i = 0; i < n; i++) {
            if (online[i]) {
              sim.signal(i, PeerNotes.START);
            }
          }
        });
        scheduleAvailability();
        for (int f = 0; f < cfg.failures().size(); f++) {
          SimConfig.Failure fl = cfg.failures().get(f);
          int index = f;
          if (fl.atSeconds() >= 0) {
            sim.queue().after(Math.round(fl.atSeconds() * 1e9), () -> inject(fl, index));
          }
        }
        double stallLimit = stallLimitSeconds();
        try {
          sim.runUntil(() -> {
            if (!done && sim.queue().nowSeconds() - lastProgressTime > stallLimit) {
              failure = String.format(Locale.ROOT, "no round completed in %.0f virtual seconds (last at %.1f s): the protocol stalled",
                  stallLimit, lastProgressTime);
              return true;
            }
            return done;
          });
        } catch (IllegalStateException | SimHarness.NodeCrash stopped) {
          failure = stopped.getMessage();
        }
        var counters = sim.counters(); // on a coordinator, also ends the shards
        double wall = (System.nanoTime() - t0) / 1e9;
        return new RunResult(cfg.name(), cfg.algorithm(), cfg.seed(), List.copyOf(rows), finalParams, wall,
            counters.busySeconds(), counters.trainingBusySeconds(), writer.dir(), failure, null, extras());
      } finally {
        evaluators.shutdownNow();
        try {
          failuresLog.close();
        } catch (IOException e) {
          // results already flushed line by line
        }
      }
    }

    private Map<String, Object> extras() {
      Map<String, Object> x = new TreeMap<>();
      x.put("nodes", n);
      x.put("bytes_model", sim.network().bytesModel());
      x.put("bytes_view", sim.network().bytesView());
      x.put("bytes_control", sim.network().bytesControl());
      x.put("messages_rejected", sim.network().rejected());
      if (heapAtEnd >= 0) {
        x.put("heap_after_gc_bytes", heapAtEnd);
      }
      x.putAll(world.protocol().summaryExtras());
      if (sim.plan().count() > 1) {
        x.put("shards", sim.plan().count());
        x.put("shard_commands", sim.shardCommands());
        x.put("shard_commands_overlapped", sim.shardCommandsOverlapped());
        x.put("shard_wait_s", sim.shardWaitSeconds());
      }
      return x;
    }

    private double stallLimitSeconds() {
      return world.protocol().stallLimitSeconds();
    }

    // ------------------------------------------------------------ churn

    private void scheduleAvailability() {
      for (AvailabilityPlan.Switch s : plan.switches()) {
        sim.queue().after(Math.round(s.seconds() * 1e9), () -> setOnline(s.node(), s.online(), plan.gracefulOffline(), "trace"));
      }
      if (plan.generated()) {
        for (int i = 0; i < n; i++) {
          scheduleToggle(i, 0);
        }
      }
    }

    private void scheduleToggle(int node, long k) {
      double dt = plan.nextToggle(node, k, online[node]);
      sim.queue().after(Math.max(1, Math.round(dt * 1e9)), () -> {
        if (done) {
          return;
        }
        setOnline(node, !online[node], plan.gracefulOffline(), "availability");
        scheduleToggle(node, k + 1);
      });
    }

    private void inject(SimConfig.Failure f, int index) {
      boolean wantOnline = !"join".equals(f.kind());
      List<Integer> candidates = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (online[i] == wantOnline) {
          candidates.add(i);
        }
      }
      for (int id : FailureTargets.of(f, candidates, cfg.seed(), index)) {
        setOnline(id, "join".equals(f.kind()), "leave".equals(f.kind()), f.kind());
      }
    }

    private void setOnline(int node, boolean up, boolean graceful, String cause) {
      if (online[node] == up) {
        return;
      }
      online[node] = up;
      try {
        failuresLog.write(String.format(Locale.ROOT, "%.6f,%d,%s%n", sim.queue().nowSeconds(), node,
            up ? "online(" + cause + ")" : (graceful ? "leave(" + cause + ")" : "crash(" + cause + ")")));
        failuresLog.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (up) {
        // A (re)start: the runtime builds the role afresh; it continues from what its storage kept.
        sim.start(node);
        sim.signal(node, PeerNotes.START);
      } else {
        if (graceful) {
          sim.signal(node, PeerNotes.LEAVE); // it announces the leave, then goes
        }
        sim.crash(node);
      }
    }

    private void roundRecorded(long round) {
      lastProgressTime = sim.queue().nowSeconds();
      for (int f = 0; f < cfg.failures().size(); f++) {
        SimConfig.Failure fl = cfg.failures().get(f);
        int index = f;
        if (fl.atRound() == round) {
          // as its own event: the listener runs inside a node's message handling
          sim.queue().after(0, () -> inject(fl, index));
        }
      }
      if (round >= cfg.rounds() && !done) {
        done = true;
        heapAtEnd = HeapProbe.measure(); // every node, with its view and model, is still alive here
      }
    }

    private int onlineCount() {
      int c = 0;
      for (boolean b : online) {
        c += b ? 1 : 0;
      }
      return c;
    }

    private boolean evaluated(long round) {
      return round % cfg.server().evalEvery() == 0 || round == cfg.rounds();
    }

    // ------------------------------------------------------------ metrics

    private PeerListener listener() {
      return new PeerListener() {
        @Override
        public void aggregated(AggregationRecord r, float[] params) {
          if (r.round() <= lastModestRound || r.round() > cfg.rounds()) {
            return; // a second aggregator of the same round (after a re-forward): the first one counts
          }
          lastModestRound = r.round();
          finalParams = params;
          Evaluation ev = evaluated(r.round()) ? evaluate(List.of(params)).get(0) : null;
          var nw = sim.network();
          MetricsRow row = new MetricsRow((int) r.round(), sim.queue().nowSeconds(), ev == null ? null : ev.accuracy(),
              ev == null ? null : ev.loss(), r.trainLoss(), r.contributors().size(), r.participants().size(),
              r.timedOut() ? 2 : 1, nw.bytesUp(), nw.bytesDown(), nw.bytesTotal(), nw.messages(), null, null,
              nw.bytesModel(), nw.bytesView(), nw.bytesControl(), onlineCount());
          if (federatedDue(r.round())) {
            // The participants of the next round receive this model: they score it on their own data.
            List<Integer> who = fedSample(r.participants(), r.round());
            List<float[]> same = new ArrayList<>();
            for (int i = 0; i < who.size(); i++) {
              same.add(params);
            }
            row = federated(row, (int) r.round(), who, same);
          }
          record(row, r.participants(), r.contributors());
        }

        @Override
        public void roundDone(int node, long round, float[] params, double trainLoss) {
          if (round < nextRound) {
            return;
          }
          pending.computeIfAbsent(round, k -> new TreeMap<>()).put(node, new Report(params, trainLoss));
          maxReported[node] = Math.max(maxReported[node], round);
          finalizeRounds();
        }
      };
    }

    private void record(MetricsRow row, List<Integer> invited, List<Integer> aggregated) {
      rows.add(row);
      writer.row(row, invited, aggregated);
      progress.accept(row);
      roundRecorded(row.round());
    }

    /**
     * Closes rounds in order once every online node has reported the round or a later one (a node
     * that jumped ahead never reports the rounds it skipped), or once some node is far ahead.
     */
    private void finalizeRounds() {
      while (!pending.isEmpty() && !done) {
        long r = nextRound;
        TreeMap<Integer, Report> reports = pending.get(r);
        boolean all = true;
        for (int i = 0; i < n && all; i++) {
          all = !online[i] || maxReported[i] >= r;
        }
        boolean overtaken = pending.lastKey() >= r + 16;
        if (!all && !overtaken) {
          return;
        }
        pending.remove(r);
        nextRound++;
        if (reports == null) {
          reports = new TreeMap<>();
        }
        List<float[]> models = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        double loss = 0;
        for (var e : reports.entrySet()) {
          if (online[e.getKey()]) {
            ids.add(e.getKey());
            models.add(e.getValue().params());
            loss += e.getValue().trainLoss();
          }
        }
        Double acc = null;
        Double accMin = null;
        Double evalLoss = null;
        if (evaluated(r) && !models.isEmpty()) {
          List<Evaluation> evs = evaluate(evalSample(models, r));
          double sum = 0;
          double min = Double.POSITIVE_INFINITY;
          double lsum = 0;
          for (Evaluation ev : evs) {
            sum += ev.accuracy();
            min = Math.min(min, ev.accuracy());
            lsum += ev.loss();
          }
          acc = sum / evs.size();
          accMin = min;
          evalLoss = lsum / evs.size();
        }
        if (!models.isEmpty()) {
          finalParams = models.get(0);
        }
        var nw = sim.network();
        MetricsRow row = new MetricsRow((int) r, sim.queue().nowSeconds(), acc, evalLoss,
            models.isEmpty() ? 0 : loss / models.size(), ids.size(), onlineCount(), 1, nw.bytesUp(), nw.bytesDown(),
            nw.bytesTotal(), nw.messages(), null, accMin, nw.bytesModel(), nw.bytesView(), nw.bytesControl(), onlineCount());
        if (federatedDue(r) && !ids.isEmpty()) {
          // Each node scores its own model (what it holds after the round's mixing) on its own data.
          List<Integer> who = fedSample(ids, r);
          List<float[]> theirs = new ArrayList<>();
          for (int id : who) {
            theirs.add(models.get(ids.indexOf(id)));
          }
          row = federated(row, (int) r, who, theirs);
        }
        List<Integer> onlineIds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (online[i]) {
            onlineIds.add(i);
          }
        }
        record(row, onlineIds, ids);
      }
    }

    /**
     * The models evaluated in round {@code r}: all, or a uniform sample of {@code dl.eval-nodes}
     * of them drawn with the run seed and the round (so that evaluation time does not grow with
     * the number of nodes), in node order.
     */
    private List<float[]> evalSample(List<float[]> models, long r) {
      int k = cfg.dl().evalNodes();
      if (k == 0 || k >= models.size()) {
        return models;
      }
      int[] idx = new int[models.size()];
      java.util.Arrays.setAll(idx, i -> i);
      java.util.SplittableRandom rng = new java.util.SplittableRandom(dev.starling.node.runtime.Seeds.derive(cfg.seed(), 11, r));
      for (int i = 0; i < k; i++) {
        int j = i + rng.nextInt(idx.length - i);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      int[] chosen = java.util.Arrays.copyOf(idx, k);
      java.util.Arrays.sort(chosen);
      List<float[]> out = new ArrayList<>(k);
      for (int i : chosen) {
        out.add(models.get(i));
      }
      return out;
    }

    private boolean federatedDue(long round) {
      int every = cfg.server().federatedEval().every();
      return every > 0 && (round % every == 0 || round == cfg.rounds());
    }

    /** {@code server.federated-eval.clients} of {@code nodes} drawn afresh with the seed and the round, ascending. */
    private List<Integer> fedSample(List<Integer> nodes, long round) {
      List<Integer> sorted = new ArrayList<>(new java.util.TreeSet<>(nodes));
      int k = Math.min(cfg.server().federatedEval().clients(), sorted.size());
      java.util.SplittableRandom rng = new java.util.SplittableRandom(Seeds.derive(cfg.seed(), 12, round));
      for (int i = 0; i < k; i++) {
        java.util.Collections.swap(sorted, i, i + rng.nextInt(sorted.size() - i));
      }
      List<Integer> out = new ArrayList<>(sorted.subList(0, k));
      out.sort(null);
      return out;
    }

    /**
     * Federated evaluation of a round: node {@code who[i]} scores {@code models[i]} on its own
     * evaluation samples; written to {@code federated.csv} and as the row's {@code fed_accuracy}
     * (sample-weighted mean) and {@code fed_accuracy_p10}. Measured by the simulator outside
     * virtual time, as the test-set evaluation is.
     */
    private MetricsRow federated(MetricsRow row, int round, List<Integer> who, List<float[]> models) {
      int[][] evalParts = world.evalParts();
      List<int[]> idx = new ArrayList<>();
      for (int id : who) {
        idx.add(evalParts[id]);
      }
      List<Evaluation> evs = new ArrayList<>();
      for (Evaluation e : evaluate(models, world.train(), idx)) {
        if (e.samples() > 0) {
          evs.add(e);
        }
      }
      Evaluation mean = Evaluation.weightedMean(evs);
      if (mean == null) {
        return row;
      }
      double p10 = Evaluation.accuracyQuantile(evs, 0.1);
      writer.federated(round, who.size(), evs.size(), mean.samples(), mean.accuracy(), mean.loss(), p10);
      return row.withFederated(mean.accuracy(), p10);
    }

    /** Evaluates models on the test set in parallel; results in input order. */
    private List<Evaluation> evaluate(List<float[]> models) {
      return evaluate(models, test, null);
    }

    /**
     * Evaluates {@code models[i]} on {@code data} (its samples {@code idx[i]}, or all when idx is
     * null) in parallel; results in input order.
     */
    private List<Evaluation> evaluate(List<float[]> models, Dataset data, List<int[]> idx) {
      List<Future<Evaluation>> fs = new ArrayList<>();
      for (int i = 0; i < models.size(); i++) {
        float[] p = models.get(i);
        int[] samples = idx == null ? null : idx.get(i);
        fs.add(evaluators.submit(() -> {
          var m = pool.get();
          m.setParams(p);
          return m.evaluate(data, samples);
        }));
      }
      List<Evaluation> out = new ArrayList<>();
      try {
        for (Future<Evaluation> f : fs) {
          out.add(f.get());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while evaluating", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("evaluation failed: " + e.getCause(), e.getCause());
      }
      return out;
    }
  }
}
