package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import dev.starling.node.diloco.DilocoListener;
import dev.starling.node.diloco.DilocoReplica;
import dev.starling.node.wire.codec.Codec;
import dev.starling.simulator.runtime.SimHarness;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * (Streaming) DiLoCo in the simulator: replicas 0..M-1, each with its own shard and persistent
 * inner optimizer, and the reducer as node M. One metrics row per outer round (every fragment
 * synced once), evaluating the reducer's outer parameters.
 */
public final class DilocoSimulation {
  private DilocoSimulation() {}

  /** Hashes of every replica's global copy after each (fragment, sync), for the identity check. */
  public record Trace(Map<String, Set<String>> globalShaBySync, long peakSyncBytes, long syncs) {}

  public static RunResult run(SimConfig cfg, DataLoader.Loaded data, RunWriter writer, Consumer<MetricsRow> progress) {
    return run(cfg, data, writer, progress, null);
  }

  public static RunResult run(SimConfig cfg, DataLoader.Loaded data, RunWriter writer, Consumer<MetricsRow> progress,
      Map<String, Set<String>> traceOut) {
    long t0 = System.nanoTime();
    SimConfig.Diloco d = cfg.diloco();
    int m = d.replicas();
    DilocoWorld world = new DilocoWorld(cfg, data);
    int reducer = world.reducerId();
    int[][] parts = world.parts();
    Codec codec = world.codec();
    int[] localSamples = new int[m + 1];
    for (int r = 0; r < m; r++) {
      localSamples[r] = parts[r].length;
    }

    List<MetricsRow> rows = new ArrayList<>();
    float[][] finalParams = new float[1][];
    boolean[] done = new boolean[1];
    long[] peak = new long[1];
    long[] syncs = new long[1];
    int[] replicasDone = new int[1];
    String failure = null;
    Map<String, Set<String>> trace = traceOut != null ? traceOut : new TreeMap<>();
    try (SimHarness sim = SimSetup.harness(cfg, m + 1, Set.of(reducer), localSamples, writer)) {
      DilocoListener listener = new DilocoListener() {
        @Override
        public void roundCompleted(int round, Double accuracy, Double loss, float[] global, double trainLoss,
            long roundBytes) {
          var nw = sim.network();
          MetricsRow row = new MetricsRow(round, sim.queue().nowSeconds(), accuracy, loss, trainLoss, m, m, 1,
              nw.bytesUp(), nw.bytesDown(), nw.bytesTotal(), nw.messages(), null, null, nw.bytesModel(), nw.bytesView(),
              nw.bytesControl(), m);
          var fed = world.federated(round, global);
          if (fed != null) {
            writer.federated(round, fed.asked(), fed.answered(), fed.evaluation().samples(), fed.evaluation().accuracy(),
                fed.evaluation().loss(), fed.accuracyP10());
            row = row.withFederated(fed.evaluation().accuracy(), fed.accuracyP10());
          }
          rows.add(row);
          writer.checkpoint("outer-checkpoint.bin", round, global);
          List<Integer> all = new ArrayList<>();
          for (int r = 0; r < m; r++) {
            all.add(r);
          }
          writer.row(row, all, all);
          progress.accept(row);
        }

        @Override
        public void replicaApplied(int replica, int fragment, long sync, String globalSha) {
          trace.computeIfAbsent(fragment + "/" + sync, k -> new java.util.TreeSet<>()).add(globalSha);
        }

        @Override
        public void syncBytes(int fragment, long sync, long bytes) {
          peak[0] = Math.max(peak[0], bytes);
          syncs[0]++;
        }

        @Override
        public void replicaFinished(int replica) {
          replicasDone[0]++;
        }

        @Override
        public void finished(float[] global) {
          finalParams[0] = global;
          done[0] = true;
        }
      };
      for (int r = 0; r < m; r++) {
        sim.spawn(r, world.replica(r, sim.ports(r), listener));
      }
      sim.spawn(reducer, world.reducer(sim.ports(reducer), listener));
      // Start every replica (they are on the inline dispatcher: this runs them in id order).
      for (int r = 0; r < m; r++) {
        // the typed ref is not kept by spawn's caller; look it up through the harness
        sim.tell(r, new DilocoReplica.Start());
      }
      try {
        sim.runUntil(() -> done[0] && replicasDone[0] == m);
      } catch (IllegalStateException | SimHarness.NodeCrash stopped) {
        failure = stopped.getMessage();
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      Map<String, Object> extras = new LinkedHashMap<>();
      extras.put("peak_bytes_per_sync", peak[0]);
      extras.put("fragment_syncs", syncs[0]);
      extras.put("replicas", m);
      extras.put("fragments", d.fragments());
      extras.put("codec", codec.name());
      extras.put("messages_rejected", sim.network().rejected());
      return new RunResult(cfg.name(), cfg.algorithm(), cfg.seed(), List.copyOf(rows), finalParams[0], wall,
          sim.compute().busySeconds(), sim.compute().trainingBusySeconds(), writer.dir(), failure, null, extras);
    }
  }
}
