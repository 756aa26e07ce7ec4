package dev.starling.app.experiment;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.app.config.SimConfig;
import dev.starling.node.data.Dataset;
import dev.starling.node.fl.FlClient;
import dev.starling.node.fl.FlServer;
import dev.starling.node.learning.ModelPool;
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
  private final FlAlgorithm algorithm;
  private final int[][] evalParts;
  /** Per-client data built on demand (a natural partition of generated data), else null. */
  private final dev.starling.node.data.NodeShards shards;
  /** Training samples per client (index c - 1). */
  private final int[] trainSamples;

  /** @param aggregator the aggregation rule and {@code optimizer} the server step of the run's strategy */
  public FlWorld(SimConfig cfg, DataLoader.Loaded data, Aggregator aggregator, ServerOptimizer optimizer) {
    this(cfg, data, aggregator, FlAlgorithm.of(optimizer));
  }

  /** @param aggregator the aggregation rule for deltas and {@code algorithm} the strategy that uses it */
  public FlWorld(SimConfig cfg, DataLoader.Loaded data, Aggregator aggregator, FlAlgorithm algorithm) {
    this.cfg = cfg;
    this.data = data;
    this.aggregator = aggregator;
    this.algorithm = algorithm;
    int n = cfg.clients();
    double holdout = cfg.server().federatedEval().holdout();
    this.trainSamples = new int[n];
    if (cfg.clientsOnDemand() && data.shards() != null && "natural".equals(cfg.data().partition())
        && data.shards().nodes() == n) {
      // Client c holds node c - 1's data, built when the client starts: the same samples, in the
      // same order, as the natural partition of the whole set, without ever holding it.
      this.shards = data.shards();
      this.parts = null;
      this.evalParts = null;
      for (int c = 0; c < n; c++) {
        int m = shards.samples(c);
        trainSamples[c] = m - held(m, holdout);
      }
    } else {
      this.shards = null;
      int[][][] split = holdOutAll(Components.partition(cfg, data, n), holdout, cfg.seed());
      this.parts = split[0];
      this.evalParts = split[1];
      for (int c = 0; c < n; c++) {
        trainSamples[c] = parts[c].length;
      }
    }
    this.pool = Components.models(cfg, shards != null ? shards.data(0) : data.train());
    this.initial = pool.initialParams(Seeds.derive(cfg.seed(), 2));
    this.test = Components.testSet(cfg, data);
    SimConfig.Server srv = cfg.server();
    this.expected = switch (srv.sampler()) {
      case "fixed" -> Math.min(n, srv.clientsPerRound());
      case "fraction" -> (int) Math.max(1, Math.round(srv.fraction() * n));
      default -> (int) Math.max(1, Math.round(srv.poissonRate() * n));
    };
    // A client's update can only be used if it was invited: with over-selection the server invites
    // target + ceil(target * over-selection) clients, a uniform sample without replacement of that
    // size, and keeps the first target to answer (a choice by timing, not by data). So the sampling
    // rate of the accounting is the invitation rate (Poisson with over-selection is refused).
    int invited = Math.min(n, expected + (int) Math.ceil(expected * srv.overSelection()));
    double samplingRate = "poisson".equals(srv.sampler()) ? srv.poissonRate() : (double) invited / n;
    // fixed and fraction draw a fixed-size sample without replacement: replace-one neighbours.
    // Under SecAgg the server sees sums of at least min-clients updates (the fewest a round closes with).
    int sumOf = cfg.secagg().enabled() ? Math.max(1, Math.min(srv.minClients(), expected)) : 0;
    this.privacy = Components.privacy(cfg.privacy(), cfg.codec(), initial.length, samplingRate,
        !"poisson".equals(srv.sampler()), sumOf);
    this.ledger = privacy.roundCurve() == null ? null
        : new PrivacyLedger(privacy.roundCurve(), privacy.roundPureEpsilon(), cfg.privacy().delta());
    if (cfg.secagg().enabled()) {
      secureSum(algorithm.server(n, initial.length)); // refuses a config SecAgg cannot run, before anything starts
    }
  }

  public int clients() {
    return cfg.clients();
  }

  private dev.starling.node.fl.FedBuffServer.Params fedBuff;
  private ServerOptimizer fedBuffOptimizer;

  /** This world's server runs FedBuff with these parameters and server step (instead of synchronous rounds). */
  public FlWorld asFedBuff(dev.starling.node.fl.FedBuffServer.Params params, ServerOptimizer optimizer) {
    this.fedBuff = params;
    this.fedBuffOptimizer = optimizer;
    return this;
  }

  /** Where a runtime puts a role: the simulator's harness or a cluster member's runtime. */
  public interface Spawner {
    <T> org.apache.pekko.actor.typed.ActorRef<T> spawn(org.apache.pekko.actor.typed.Behavior<T> role);
  }

  /**
   * Spawns this run's server role (synchronous FL or FedBuff) on {@code ports} and returns what
   * starts it.
   */
  public Runnable spawnServer(Spawner spawner, dev.starling.node.runtime.NodePorts ports, FlServer.Setup setup,
      dev.starling.node.fl.RoundListener listener) {
    if (fedBuff != null) {
      var s = spawner.spawn(dev.starling.node.fl.FedBuffServer.create(ports, setup, fedBuff, aggregator, fedBuffOptimizer,
          listener));
      return () -> s.tell(new dev.starling.node.fl.FedBuffServer.Start());
    }
    var s = spawner.spawn(FlServer.create(ports, setup, listener));
    return () -> s.tell(new FlServer.Start());
  }

  /**
   * A client's epsilon after {@code k} rounds it took part in: the unamplified round mechanism
   * composed k times (once a participation is known, its sampling no longer hides it), at the
   * run's delta; null without privacy.
   */
  public java.util.function.LongToDoubleFunction clientEpsilon() {
    if (privacy.participationCurve() == null) {
      return null;
    }
    PrivacyLedger perClient = new PrivacyLedger(privacy.participationCurve(), privacy.participationPureEpsilon(),
        cfg.privacy().delta());
    return perClient::epsilonAfter;
  }

  /**
   * Epsilon after {@code k} rounds were the server to see every update (SecAgg runs with RQM,
   * whose {@code epsilon} holds for the sum only); null otherwise.
   */
  public java.util.function.LongToDoubleFunction localEpsilon() {
    if (!(privacy instanceof UpdatePrivacy.LocalRqm r) || r.sumOf() == 0) {
      return null;
    }
    UpdatePrivacy.LocalRqm local = r.local();
    return new PrivacyLedger(local.roundCurve(), local.roundPureEpsilon(), cfg.privacy().delta())::epsilonAfter;
  }

  /** Client ids, ascending. */
  public List<Integer> clientIds() {
    return new dev.starling.node.fl.IdRange(1, cfg.clients());
  }

  /** Training samples held by client {@code c}. */
  public int localSamples(int c) {
    return trainSamples[c - 1];
  }

  /**
   * Client {@code c}'s setup. Where the data is built per client, this builds client c's now:
   * call it when the client starts, not for every client up front.
   */
  public FlClient.Setup client(int c) {
    FlClient.Setup s;
    if (shards != null) {
      Dataset own = shards.deferred(c - 1); // generated in the client's first job, on a compute worker
      int[] all = new int[own.size()];
      java.util.Arrays.setAll(all, i -> i);
      double holdout = cfg.server().federatedEval().holdout();
      int[][] split = holdout > 0 ? holdOut(all, holdout, Seeds.derive(cfg.seed(), 7, c)) : new int[][] {all, all};
      s = new FlClient.Setup(own, split[0], pool, Seeds.derive(cfg.seed(), 5), privacy, algorithm.client(), split[1], SERVER);
    } else {
      s = new FlClient.Setup(data.train(), parts[c - 1], pool, Seeds.derive(cfg.seed(), 5), privacy,
          algorithm.client(), evalParts[c - 1], SERVER);
    }
    return cfg.secagg().enabled() ? s.withSecAgg(new FlClient.SecAgg(maxWeight(), true)) : s;
  }

  /** The largest client's training samples: the most a client weighs in with. */
  private long maxWeight() {
    long max = 1;
    for (int m : trainSamples) {
      max = Math.max(max, m);
    }
    return max;
  }

  /**
   * The exact integer aggregation of level-index updates (RQM, or the lattice codec), in the
   * clear or under SecAgg+; null where updates are floats or the rule needs each update
   * (SecAgg is then refused in one line).
   */
  private FlServer.SecureSum secureSum(dev.starling.node.fl.FlStrategy strategy) {
    SimConfig.SecAgg sc = cfg.secagg();
    int levels;
    double outer;
    if (privacy instanceof UpdatePrivacy.LocalRqm r) {
      levels = r.params().levels();
      outer = r.params().outer();
    } else if (privacy instanceof UpdatePrivacy.None none && none.codec() instanceof dev.starling.node.wire.codec.LatticeCodec l) {
      levels = l.levels();
      outer = l.clip();
    } else {
      if (sc.enabled()) {
        throw new dev.starling.app.config.ConfigError("config key 'secagg.enabled': true needs integer updates: set"
            + " privacy.mechanism = rqm, or codec = lattice (got privacy.mechanism = " + cfg.privacy().mechanism()
            + ", codec = " + cfg.codec().name() + ")");
      }
      return null;
    }
    boolean plain = aggregator instanceof dev.starling.aggregator.FedAvg && strategy instanceof dev.starling.node.fl.AggregateAndStep;
    if (!plain) {
      if (sc.enabled()) {
        throw new dev.starling.app.config.ConfigError("config key 'secagg.enabled': the server sees only the sum, so it"
            + " needs server.aggregator = fedavg and a FedOpt strategy (got " + aggregator.name() + ", " + strategy.name() + ")");
      }
      return null;
    }
    long maxWeight = maxWeight();
    int n = cfg.clients();
    int invitedMax = Math.min(n, expected + (int) Math.ceil(expected * cfg.server().overSelection()));
    int need;
    try {
      long maxSum = Math.multiplyExact(Math.multiplyExact((long) invitedMax, maxWeight), (long) levels - 1);
      need = Math.max(1, 64 - Long.numberOfLeadingZeros(maxSum));
    } catch (ArithmeticException e) {
      need = 64;
    }
    java.time.Duration stage = Clock.seconds(sc.stageTimeoutSeconds());
    if (!sc.enabled()) {
      return new FlServer.SecureSum(levels, outer, maxWeight, null, stage);
    }
    if (need > 63) {
      throw new dev.starling.app.config.ConfigError("config key 'secagg.enabled': " + invitedMax + " clients x "
          + maxWeight + " samples x " + (levels - 1) + " levels overflow a 63-bit sum (use fewer levels or clients per round)");
    }
    int bits = sc.bits() == 0 ? need : sc.bits();
    if (bits < need) {
      throw new dev.starling.app.config.ConfigError("config key 'secagg.bits': " + bits + " lets the sum wrap (" + invitedMax
          + " clients x " + maxWeight + " samples x " + (levels - 1) + " needs " + need + "; allowed " + need + "..63, or 0)");
    }
    int k = sc.neighbours();
    int t = sc.threshold() == 0 ? k / 2 + 1 : sc.threshold();
    if (t > k) {
      throw new dev.starling.app.config.ConfigError("config key 'secagg.threshold': " + t + " is above secagg.neighbours = "
          + k + " (allowed 1.." + k + ", or 0 for a majority)");
    }
    return new FlServer.SecureSum(levels, outer, maxWeight, new dev.starling.node.secagg.SecAggServerRound.Params(k, t, bits),
        stage);
  }

  /**
   * A shard split into training and held-out samples: a seeded shuffle, then the last
   * {@code round(share * n)} (at most n - 1) held out, each part in ascending order.
   */
  static int[][] holdOut(int[] shard, double share, long seed) {
    int[] order = shard.clone();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int held = held(order.length, share);
    int[] train = java.util.Arrays.copyOf(order, order.length - held);
    int[] eval = java.util.Arrays.copyOfRange(order, order.length - held, order.length);
    java.util.Arrays.sort(train);
    java.util.Arrays.sort(eval);
    return new int[][] {train, eval};
  }

  /**
   * Every shard split by {@link #holdOut} (shard i with the run seed and i + 1): the training
   * parts and the held-out parts; both are the shards themselves when {@code share} is 0.
   */
  static int[][][] holdOutAll(int[][] shards, double share, long runSeed) {
    if (!(share > 0)) {
      return new int[][][] {shards, shards};
    }
    int[][] train = new int[shards.length][];
    int[][] eval = new int[shards.length][];
    for (int i = 0; i < shards.length; i++) {
      int[][] two = holdOut(shards[i], share, Seeds.derive(runSeed, 7, i + 1));
      train[i] = two[0];
      eval[i] = two[1];
    }
    return new int[][][] {train, eval};
  }

  /** How many of a shard's {@code n} samples {@link #holdOut} holds out. */
  private static int held(int n, double share) {
    return share > 0 ? (int) Math.min(Math.round(share * n), Math.max(0, n - 1)) : 0;
  }

  public FlServer.Setup server() {
    SimConfig.Server s = cfg.server();
    var strategy = algorithm.server(cfg.clients(), initial.length);
    return new FlServer.Setup(
        new FlServer.Sampling(clientIds(), Components.sampler(s), s.overSelection(), expected),
        new FlServer.Schedule(cfg.rounds(), Clock.seconds(s.deadlineSeconds()), s.minClients(), s.maxAttempts(), s.evalEvery(),
            new FlServer.FederatedEval(s.federatedEval().every(), s.federatedEval().clients())),
        new FlServer.Strategy(aggregator, strategy),
        new FlServer.Learning(initial, pool, test),
        new FlServer.Privacy(privacy, ledger, cfg.privacy().budgetEpsilon()),
        Seeds.derive(cfg.seed(), 6)).withSecureSum(secureSum(strategy));
  }
}
