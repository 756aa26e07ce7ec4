package dev.starling.app.experiment;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.app.config.SimConfig;
import dev.starling.node.data.Dataset;
import dev.starling.node.fl.FlClient;
import dev.starling.node.fl.FlServer;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.privacy.PrivacyLedger;
import dev.starling.node.privacy.UpdatePrivacy;
import dev.starling.node.runtime.Clock;
import dev.starling.node.runtime.Seeds;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an FL run derives from its config and seed: the partition of the training data, the
 * model and its initial parameters, the privacy mechanism and the server and client setups. The
 * simulator and the cluster runtime both build their nodes from this, so a cluster member gets
 * exactly the setup its simulated twin gets.
 */
public final class FlWorld {

  /** Node id of the server; clients are 1..N. */
  public static final int SERVER = 0;

  private final SimConfig cfg;
  private final DataLoader.Loaded data;
  private final int[][] parts;
  private final ModelPool pool;
  private final float[] initial;
  private final Dataset test;
  private final UpdatePrivacy privacy;
  private final PrivacyLedger ledger;
  private final int expected;
  private final Aggregator aggregator;
  private final ServerOptimizer optimizer;

  /** @param aggregator the aggregation rule and {@code optimizer} the server step of the run's strategy */
  public FlWorld(SimConfig cfg, DataLoader.Loaded data, Aggregator aggregator, ServerOptimizer optimizer) {
    this.cfg = cfg;
    this.data = data;
    this.aggregator = aggregator;
    this.optimizer = optimizer;
    int n = cfg.clients();
    this.parts = Components.partition(cfg, data, n);
    ModelSpec spec = Components.model(cfg.model(), data.train());
    this.pool = Components.models(cfg, spec);
    this.initial = pool.initialParams(Seeds.derive(cfg.seed(), 2));
    this.test = Components.testSet(cfg, data);
    SimConfig.Server srv = cfg.server();
    this.expected = switch (srv.sampler()) {
      case "fixed" -> Math.min(n, srv.clientsPerRound());
      case "fraction" -> (int) Math.max(1, Math.round(srv.fraction() * n));
      default -> (int) Math.max(1, Math.round(srv.poissonRate() * n));
    };
    double samplingRate = "poisson".equals(srv.sampler()) ? srv.poissonRate() : (double) expected / n;
    this.privacy = Components.privacy(cfg.privacy(), cfg.codec(), initial.length, samplingRate);
    this.ledger = privacy.roundCurve() == null ? null
        : new PrivacyLedger(privacy.roundCurve(), privacy.roundPureEpsilon(), cfg.privacy().delta());
  }

  public int clients() {
    return cfg.clients();
  }

  /** Client ids, ascending. */
  public List<Integer> clientIds() {
    List<Integer> ids = new ArrayList<>();
    for (int c = 1; c <= cfg.clients(); c++) {
      ids.add(c);
    }
    return ids;
  }

  /** Training samples held by client {@code c}. */
  public int localSamples(int c) {
    return parts[c - 1].length;
  }

  public FlClient.Setup client(int c) {
    return new FlClient.Setup(data.train(), parts[c - 1], pool, Seeds.derive(cfg.seed(), 5), privacy);
  }

  public FlServer.Setup server() {
    SimConfig.Server s = cfg.server();
    return new FlServer.Setup(
        new FlServer.Sampling(clientIds(), Components.sampler(s), s.overSelection(), expected),
        new FlServer.Schedule(cfg.rounds(), Clock.seconds(s.deadlineSeconds()), s.minClients(), s.maxAttempts(), s.evalEvery()),
        new FlServer.Strategy(aggregator, optimizer),
        new FlServer.Learning(initial, pool, test),
        new FlServer.Privacy(privacy, ledger, cfg.privacy().budgetEpsilon()),
        Seeds.derive(cfg.seed(), 6));
  }
}
