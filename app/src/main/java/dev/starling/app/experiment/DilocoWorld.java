package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.node.data.Dataset;
import dev.starling.node.diloco.DilocoListener;
import dev.starling.node.diloco.DilocoReducer;
import dev.starling.node.diloco.DilocoReplica;
import dev.starling.node.diloco.DilocoSchedule;
import dev.starling.node.fl.RoundRecord;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.Codecs;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;

/**
 * What a (Streaming) DiLoCo run derives from its config and seed: replicas 0..M-1 with their
 * shards and the reducer as node M. The simulator and the cluster runtime both build from this.
 */
public final class DilocoWorld {

  private final SimConfig cfg;
  private final DataLoader.Loaded data;
  private final int m;
  private final int[][] parts;
  /** What each replica scores the outer model on in federated evaluation (its held-out part, or its shard). */
  private final int[][] evalParts;
  private final ModelPool pool;
  private final float[] initial;
  private final DilocoSchedule schedule;
  private final Codec codec;
  private final long rounds;
  private final Dataset test;

  public DilocoWorld(SimConfig cfg, DataLoader.Loaded data) {
    this.cfg = cfg;
    this.data = data;
    SimConfig.Diloco d = cfg.diloco();
    this.m = d.replicas();
    SimConfig.FederatedEval fe = cfg.server().federatedEval();
    int[][][] split = FlWorld.holdOutAll(Components.partition(cfg, data, m), fe.every() > 0 ? fe.holdout() : 0, cfg.seed());
    this.parts = split[0];
    this.evalParts = split[1];
    this.pool = Components.models(cfg, data.train());
    this.initial = pool.initialParams(Seeds.derive(cfg.seed(), 2));
    this.schedule = new DilocoSchedule(d.innerSteps(), d.fragments(), d.overlap(), d.mix(), d.strided());
    this.codec = Codecs.of(cfg.codec().name(), cfg.codec().block(), cfg.codec().stochastic(),
        cfg.codec().bits(), cfg.codec().clip());
    this.rounds = d.totalSteps() / d.innerSteps();
    this.test = Components.testSet(cfg, data);
  }

  public int replicas() {
    return m;
  }

  /** The reducer's node id. */
  public int reducerId() {
    return m;
  }

  public long rounds() {
    return rounds;
  }

  /**
   * Federated evaluation of outer round {@code round}'s model, when due: the replicas score it on
   * their own evaluation samples; the sample-weighted mean and the accuracies' 10th percentile, or
   * null when not due.
   */
  public RoundRecord.Federated federated(int round, float[] global) {
    SimConfig.FederatedEval fe = cfg.server().federatedEval();
    if (fe.every() <= 0 || round % fe.every() != 0 && round != rounds) {
      return null;
    }
    var model = pool.get();
    model.setParams(global);
    List<Evaluation> evs = new ArrayList<>();
    for (int r = 0; r < Math.min(m, fe.clients()); r++) {
      Evaluation e = model.evaluate(data.train(), evalParts[r]);
      if (e.samples() > 0) {
        evs.add(e);
      }
    }
    Evaluation mean = Evaluation.weightedMean(evs);
    return mean == null ? null : new RoundRecord.Federated(Math.min(m, fe.clients()), evs.size(), mean,
        Evaluation.accuracyQuantile(evs, 0.1));
  }

  public int[][] parts() {
    return parts;
  }

  public Codec codec() {
    return codec;
  }

  public Behavior<DilocoReplica.Command> replica(int r, NodePorts ports, DilocoListener listener) {
    SimConfig.Diloco d = cfg.diloco();
    Model model = pool.newModel(Seeds.derive(cfg.seed(), 8, r));
    return DilocoReplica.create(ports, new DilocoReplica.Setup(m, schedule, d.totalSteps(), d.batchSize(),
        (float) d.outerLr(), (float) d.outerMomentum(), model, initial, data.train(), parts[r], codec,
        Seeds.derive(cfg.seed(), 5), listener, pool.trainingFlopsPerSample(), syncTimeout()));
  }

  public Behavior<DilocoReducer.Command> reducer(NodePorts ports, DilocoListener listener) {
    SimConfig.Diloco d = cfg.diloco();
    int[] ids = new int[m];
    for (int r = 0; r < m; r++) {
      ids[r] = r;
    }
    return DilocoReducer.create(ports, new DilocoReducer.Setup(ids, schedule, rounds, (float) d.outerLr(),
        (float) d.outerMomentum(), initial, codec, pool, test, cfg.server().evalEvery(), Seeds.derive(cfg.seed(), 6),
        listener, syncTimeout()));
  }

  private java.time.Duration syncTimeout() {
    return java.time.Duration.ofNanos(Math.round(cfg.diloco().syncTimeoutSeconds() * 1e9));
  }
}
