package dev.starling.app.config;

import com.typesafe.config.Config;
import dev.starling.node.learning.TrainingConfig;
import dev.starling.simulator.runtime.AvailabilityPlan;
import java.nio.file.Path;

/**
 * A validated simulation config, read from HOCON over {@code starling-defaults.conf}. The
 * {@link #resolved()} config is what was actually run and is written next to the results.
 */
public record SimConfig(
    String name, long seed, int rounds, String algorithm, Data data, ModelCfg model, int clients,
    TrainingConfig training, Server server, Net network, Devices devices, Privacy privacy, CodecCfg codec, SecAgg secagg, Diloco diloco,
    Modest modest, Dl dl, java.util.List<Failure> failures, AvailabilityPlan.Spec availability, int computeThreads,
    Output output, Config resolved, java.util.Set<String> userKeys, FedBuff fedBuff) {

  /**
   * Whether FL clients are started when the server first sends to them and stopped when idle,
   * with their data built then (where it is generated per client): the default. false builds
   * every client and its data up front and keeps them, as a check that both give the same bytes.
   */
  public boolean clientsOnDemand() {
    return resolved.getBoolean("clients.on-demand");
  }

  /**
   * How the run is spread over JVMs (see {@code dev.starling.simulator.runtime.Shards}): the
   * shard count, whether the coordinator starts the shards itself, where it listens, and how long
   * it waits for them. Read from the resolved config (checked by the loader); no field of the run.
   */
  public Sharding sharding() {
    return new Sharding(resolved.getInt("simulation.shards"), resolved.getString("simulation.shard-launch").equals("external"),
        resolved.getString("simulation.coordinator-host"), resolved.getInt("simulation.coordinator-port"),
        resolved.getDouble("simulation.shard-timeout-s"));
  }

  /** See {@link #sharding()}. */
  public record Sharding(int count, boolean external, String host, int port, double timeoutSeconds) {}

  /**
   * Asynchronous FL (algorithm = fedbuff): buffer size K, concurrency C, and the staleness
   * weighting: constant, polynomial (1 + s)^-exponent, or hinge (1 up to b, then 1 / (a (s - b) + 1)).
   */
  public record FedBuff(int bufferSize, int concurrency, String staleness, double exponent, double hingeA, int hingeB) {}

  /** The keys the user set (in the file or with --set), for warnings about keys without effect. */
  public SimConfig {
    userKeys = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(userKeys));
  }

  /** (Streaming) DiLoCo settings. */
  public record Diloco(
      int replicas, int innerSteps, long totalSteps, int fragments, boolean strided, int overlap, double mix,
      double outerLr, double outerMomentum, int batchSize, double syncTimeoutSeconds) {}

  /** MoDeST protocol settings (modest.md section 1.10). */
  public record Modest(
      int sampleSize, int aggregators, double successFraction, double pingIntervalSeconds, double pingTimeoutSeconds,
      long inactivityThreshold, double aggregationTimeoutSeconds, int minModels, double ackTimeoutSeconds,
      int advertiseFanout) {}

  /** D-PSGD, Epidemic Learning and gossip settings. */
  /** @param evalNodes nodes whose models are evaluated each evaluated round (a seeded sample), 0 = every node */
  public record Dl(String topology, int degree, int fanout, double roundDeadlineSeconds, double gossipPeriodSeconds,
      int evalNodes) {}

  /** One injected failure: {@code kind} of {@code fraction} of the nodes (or the listed ones) at a round or a time. */
  public record Failure(String kind, double fraction, int[] nodes, int atRound, double atSeconds) {}

  /** Per-node availability: a trace file or a generator. */

  /** How updates are encoded on the wire. */
  public record CodecCfg(String name, int block, boolean stochastic, int bits, double clip) {}

  /**
   * Secure aggregation (SecAgg+) of FL updates: graph degree, Shamir threshold (0: a majority of
   * the degree), modulus bits (0: the fewest that cannot wrap) and the stage timeout.
   */
  public record SecAgg(boolean enabled, int neighbours, int threshold, int bits, double stageTimeoutSeconds) {}

  /** Differential privacy of client updates. */
  public record Privacy(
      String mechanism, double clip, double noiseMultiplier, int rqmLevels, double rqmKeepProb, double rqmRangeRatio,
      double delta, double budgetEpsilon) {}

  /** Where the data come from and how they are split. */
  /** @param normalize {@code standard} (image datasets: the training set's pixel mean and std) or {@code none} */
  public record Data(
      String dataset, Path dir, boolean fetch, String normalize, String partition, double dirichletAlpha,
      int minPartitionSize, int shardsPerClient, int testSubset, Synthetic synthetic, Leaf leaf, Files files) {}

  /** A user's own data (csv, npy, image-folder): where the splits are, and which CSV columns are labels and users. */
  public record Files(Path train, Path test, String labelColumn, String groupColumn) {}

  /** LEAF Synthetic(alpha, beta) generator settings. */
  public record Synthetic(
      double alpha, double beta, int dimension, int classes, double meanSamples, double sigmaSamples,
      double testFraction, int testDevices) {}

  /** LEAF JSON inputs. */
  public record Leaf(Path train, Path test, int classes) {}

  /** Model family and sizes. */
  /** @param engine {@code starling} (Starling's engine) or {@code dl4j} */
  /** @param options the free-form {@code model.options} section a user's model type reads */
  public record ModelCfg(String type, int[] hidden, String engine, Config options) {}

  /** Server sampling, deadline, aggregation and optimizer settings. */
  public record Server(
      String sampler, int clientsPerRound, double fraction, double poissonRate, double overSelection,
      int minClients, double deadlineSeconds, int maxAttempts, String aggregator, double trimFraction,
      int krumByzantine, int krumSelected, double learningRate, double momentum, double beta1,
      double beta2, double tau, int evalEvery, FederatedEval federatedEval) {}

  /** Federated evaluation: how often, how many clients, and the share of each client's data held out for it. */
  public record FederatedEval(int every, int clients, double holdout) {}

  /** Simulated network. */
  public record Net(
      String latency, Path latencyMatrix, String siteAssignment, double latencyMs, double latencySpreadMs, double clientUplinkMbps,
      double clientDownlinkMbps, double serverMbps, double loss) {}

  /** Simulated devices. */
  public record Devices(double gflops, double gflopsSigma, double slowFraction, double slowFactor) {}

  /** Where results go. */
  public record Output(Path dir, boolean plot) {}
}
