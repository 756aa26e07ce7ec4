package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import dev.starling.node.fl.FlClient;
import dev.starling.node.fl.FlServer;
import dev.starling.node.fl.RoundListener;
import dev.starling.node.fl.RoundRecord;
import dev.starling.simulator.runtime.SimHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Federated learning in the simulator: node 0 is the server, nodes 1..N the clients, each client
 * holding one partition of the training data. Rounds are recorded as they complete.
 */
public final class FlSimulation {

  /** Node id of the server. */
  public static final int SERVER = FlWorld.SERVER;

  private FlSimulation() {}

  /**
   * Runs {@code cfg} on {@code world}, writing rows through {@code writer} and reporting each to
   * {@code progress}.
   */
  /**
   * Injected client crashes ({@code failures} of kind crash at a virtual time): the chosen
   * clients stop silently, mid-protocol wherever the round is; the server never crashes. Each is
   * listed in {@code failures.csv}.
   */
  private static void scheduleCrashes(SimConfig cfg, SimHarness sim, RunWriter writer) {
    if (cfg.failures().isEmpty()) {
      return;
    }
    java.io.BufferedWriter log;
    try {
      log = java.nio.file.Files.newBufferedWriter(writer.dir().resolve("failures.csv"), java.nio.charset.StandardCharsets.UTF_8);
      log.write("virtual_time_s,node,event\n");
      log.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    boolean[] down = new boolean[cfg.clients() + 1];
    for (int f = 0; f < cfg.failures().size(); f++) {
      SimConfig.Failure fl = cfg.failures().get(f);
      int index = f;
      sim.queue().after(Math.round(fl.atSeconds() * 1e9), () -> {
        List<Integer> candidates = new ArrayList<>();
        for (int c = 1; c <= cfg.clients(); c++) {
          if (!down[c]) {
            candidates.add(c);
          }
        }
        for (int id : FailureTargets.of(fl, candidates, cfg.seed(), index)) {
          if (id >= 1 && id <= cfg.clients() && !down[id]) {
            down[id] = true;
            sim.crash(id);
            try {
              log.write(String.format(java.util.Locale.ROOT, "%.6f,%d,crash(crash)%n", sim.queue().nowSeconds(), id));
              log.flush();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        }
      });
    }
  }

  private static java.util.Map<String, Object> extras(FlWorld world, int rounds, long rejected, long heap) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("messages_rejected", rejected);
    if (heap >= 0) {
      m.put("heap_after_gc_bytes", heap);
    }
    var local = world.localEpsilon();
    if (local != null) {
      m.put("epsilon_local", local.applyAsDouble(rounds));
    }
    return m;
  }

  /**
   * Puts the clients on {@code sim}. Clients start when a message reaches them and stop when idle
   * (the default): only those in the current round are held, so a million clients cost their ids
   * and sample counts. Otherwise all are built up front, by {@code sim.start} so that a
   * coordinator ({@code starts}) has each shard start its own; a shard only learns how.
   */
  private static void clients(SimConfig cfg, FlWorld world, SimHarness sim, boolean starts) {
    int n = cfg.clients();
    if (cfg.clientsOnDemand()) {
      sim.spawnOnDemand(id -> id >= 1 && id <= n, id -> FlClient.create(sim.ports(id), world.client(id).withPassivation()));
    } else {
      sim.nodes(id -> FlClient.create(sim.ports(id), world.client(id)));
      if (starts) {
        sim.batch(() -> {
          for (int c = 1; c <= n; c++) {
            sim.start(c);
          }
        });
      }
    }
  }

  /** Shard {@code plan.self()}'s part of a sharded run of {@code cfg}: its clients, on a harness serving the coordinator. */
  public static dev.starling.app.shard.ShardServer.Served shard(SimConfig cfg, FlWorld world) {
    SimHarness sim = SimSetup.shardHarness(cfg, cfg.clients() + 1, Set.of(SERVER));
    clients(cfg, world, sim, false);
    return new dev.starling.app.shard.ShardServer.Served(sim, cfg.clients() + 1);
  }

  public static RunResult run(SimConfig cfg, FlWorld world, RunWriter writer, Consumer<MetricsRow> progress) {
    long t0 = System.nanoTime();
    int n = cfg.clients();
    var clientEpsilon = world.clientEpsilon();
    if (clientEpsilon != null) {
      writer.clientLedger(clientEpsilon);
    }
    int[] localSamples = new int[n + 1];
    for (int c = 1; c <= n; c++) {
      localSamples[c] = world.localSamples(c);
    }

    List<MetricsRow> rows = new ArrayList<>();
    float[][] finalParams = new float[1][];
    String[] failure = new String[1];
    String[] stopReason = new String[1];
    boolean[] done = new boolean[1];
    long[] heap = {-1};
    try (SimHarness sim = SimSetup.harness(cfg, n + 1, Set.of(SERVER), localSamples, writer)) {
      RoundListener listener = new RoundListener() {
        @Override
        public void roundCompleted(RoundRecord r, float[] global) {
          var nw = sim.network();
          MetricsRow row = MetricsRow.ofRound(r, sim.queue().nowSeconds(), new MetricsRow.Traffic(nw.bytesUp(),
              nw.bytesDown(), nw.bytesTotal(), nw.messages(), nw.bytesModel(), nw.bytesView(), nw.bytesControl()), n);
          rows.add(row);
          writer.row(row, r.invited(), r.aggregated());
          writer.federated(r);
          progress.accept(row);
        }

        @Override
        public void finished(float[] params) {
          finalParams[0] = params;
          done[0] = true;
          heap[0] = HeapProbe.measure(); // the world and the harness are still reachable here
        }

        @Override
        public void stoppedEarly(float[] params, String reason) {
          finalParams[0] = params;
          stopReason[0] = reason;
          done[0] = true;
        }

        @Override
        public void failed(String reason) {
          failure[0] = reason;
          done[0] = true;
        }
      };
      SimSetup.spread(cfg, sim, n + 1, writer.dir());
      clients(cfg, world, sim, true);
      Runnable start = world.spawnServer(new FlWorld.Spawner() {
        @Override
        public <T> org.apache.pekko.actor.typed.ActorRef<T> spawn(org.apache.pekko.actor.typed.Behavior<T> role) {
          return sim.spawn(SERVER, role);
        }
      }, sim.ports(SERVER), world.server(), listener);
      start.run();
      scheduleCrashes(cfg, sim, writer);
      try {
        sim.runUntil(() -> done[0]);
      } catch (IllegalStateException | SimHarness.NodeCrash stopped) {
        failure[0] = stopped.getMessage();
      }
      var counters = sim.counters(); // on a coordinator, also ends the shards
      double wall = (System.nanoTime() - t0) / 1e9;
      var extras = extras(world, rows.size(), sim.network().rejected(), heap[0]);
      if (sim.plan().count() > 1) {
        extras.put("shards", sim.plan().count());
        extras.put("shard_commands", sim.shardCommands());
        extras.put("shard_commands_overlapped", sim.shardCommandsOverlapped());
        extras.put("shard_wait_s", sim.shardWaitSeconds());
      }
      return new RunResult(cfg.name(), cfg.algorithm(), cfg.seed(), List.copyOf(rows), finalParams[0], wall,
          counters.busySeconds(), counters.trainingBusySeconds(), writer.dir(), failure[0], stopReason[0], extras);
    }
  }
}
