package dev.starling.app.experiment;

import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import dev.starling.node.data.Dataset;
import dev.starling.node.learning.Dl4jModel;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.learning.engine.EngineModel;
import dev.starling.node.privacy.UpdatePrivacy;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.privacy.rqm.RqmParams;
import dev.starling.sampling.client.ClientSampler;
import dev.starling.sampling.client.FixedCountSampler;
import dev.starling.sampling.client.FractionSampler;
import dev.starling.sampling.client.PoissonSampler;
import dev.starling.sampling.partition.DirichletPartitioner;
import dev.starling.sampling.partition.IidPartitioner;
import dev.starling.sampling.partition.NaturalPartitioner;
import dev.starling.sampling.partition.Partitioner;
import dev.starling.sampling.partition.ShardPartitioner;
import dev.starling.simulator.runtime.LinkModel;
import dev.starling.simulator.runtime.MatrixLinkModel;
import dev.starling.simulator.runtime.SimpleLinkModel;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Builds the parts every family shares from the config (sampler, partitioner, links, privacy,
 * model); what depends on the algorithm is built by its family.
 */
public final class Components {
  private Components() {}

  public static ClientSampler sampler(SimConfig.Server s) {
    return switch (s.sampler()) {
      case "fixed" -> new FixedCountSampler(s.clientsPerRound());
      case "fraction" -> new FractionSampler(s.fraction());
      case "poisson" -> new PoissonSampler(s.poissonRate());
      default -> throw new IllegalStateException(s.sampler());
    };
  }

  public static Partitioner partitioner(SimConfig.Data d) {
    return switch (d.partition()) {
      case "iid" -> new IidPartitioner();
      case "dirichlet" -> new DirichletPartitioner(d.dirichletAlpha(), d.minPartitionSize());
      case "shards" -> new ShardPartitioner(d.shardsPerClient());
      case "natural" -> new NaturalPartitioner();
      default -> throw new IllegalStateException(d.partition());
    };
  }

  /** The link model of {@code nodes} nodes; {@code servers} get the server bandwidth. */
  public static LinkModel links(SimConfig.Net net, int nodes, Set<Integer> servers, long seed) {
    SimpleLinkModel simple = new SimpleLinkModel(
        "matrix".equals(net.latency()) ? SimpleLinkModel.Latency.CONSTANT
            : SimpleLinkModel.Latency.valueOf(net.latency().toUpperCase(Locale.ROOT)),
        net.latencyMs() / 1e3,
        net.latency().equals("lognormal") ? net.latencySpreadMs() / 100 : net.latencySpreadMs() / 1e3,
        net.clientUplinkMbps() * 1e6 / 8, net.clientDownlinkMbps() * 1e6 / 8, net.serverMbps() * 1e6 / 8,
        servers, net.loss());
    if (!"matrix".equals(net.latency())) {
      return simple;
    }
    double[][] rtt = MatrixLinkModel.readCsv(net.latencyMatrix());
    int[] site = new int[nodes];
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < nodes; i++) {
      site[i] = "random".equals(net.siteAssignment()) ? rng.nextInt(rtt.length) : i % rtt.length;
    }
    return new MatrixLinkModel(rtt, site, simple);
  }

  /** The update privacy a config asks for; {@code coordinates} is the model size. */
  public static UpdatePrivacy privacy(SimConfig.Privacy p, SimConfig.CodecCfg codecCfg, int coordinates,
      double samplingRate, boolean fixedSize, int sumOf) {
    Codec codec = Codecs.of(codecCfg.name(), codecCfg.block(), codecCfg.stochastic(), codecCfg.bits(),
        codecCfg.clip());
    try {
      return switch (p.mechanism()) {
        case "none" -> new UpdatePrivacy.None(codec);
        case "gaussian" -> new UpdatePrivacy.CentralGaussian(p.clip(), p.noiseMultiplier(), samplingRate, codec,
            fixedSize);
        case "rqm" -> new UpdatePrivacy.LocalRqm(
            new RqmParams(p.clip(), p.rqmRangeRatio() * p.clip(), p.rqmLevels(), p.rqmLevels() == 2 ? 0.5 : p.rqmKeepProb()),
            coordinates, samplingRate, sumOf);
        default -> throw new IllegalStateException(p.mechanism());
      };
    } catch (IllegalArgumentException e) {
      throw new ConfigError("config section 'privacy': " + e.getMessage());
    }
  }

  /**
   * The model instances a config asks for: a built-in network on Starling's engine or in DL4J, or
   * a user's {@link ModelType}.
   */
  public static ModelPool models(SimConfig cfg, Dataset train) {
    SimConfig.ModelCfg m = cfg.model();
    if (ModelTypes.BUILT_IN.contains(m.type())) {
      return new ModelPool(model(m, train), cfg.training(), "dl4j".equals(m.engine()) ? Dl4jModel::new : EngineModel::new);
    }
    ModelType type = ModelTypes.plugins().get(m.type());
    if (type == null) {
      throw new ConfigError("config key 'model.type': '" + m.type() + "' is not registered (allowed: "
          + String.join(", ", ModelTypes.names()) + ")");
    }
    int[] shape = train.featureShape();
    int classes = train.numClasses();
    ModelPool pool = new ModelPool(m.type() + " on " + java.util.Arrays.toString(shape) + " -> " + classes,
        cfg.training(), (tc, seed) -> type.create(shape, classes, tc, m.options(), seed));
    try {
      pool.trainingFlopsPerSample(); // builds one instance: a model that cannot take this data says so now
    } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
      throw new ConfigError("config key 'model.type': '" + m.type() + "' cannot be used with dataset " + train.name()
          + ": " + e.getMessage());
    }
    return pool;
  }

  static ModelSpec model(SimConfig.ModelCfg m, Dataset train) {
    try {
      return new ModelSpec(ModelSpec.Type.valueOf(m.type().toUpperCase(Locale.ROOT)), m.hidden(),
          train.featureShape(), train.numClasses());
    } catch (IllegalArgumentException e) {
      throw new ConfigError("config key 'model.type': '" + m.type() + "' cannot be used with dataset "
          + train.name() + ": " + e.getMessage());
    }
  }

  /** The training data split into {@code n} parts with the run's partition seed. */
  static int[][] partition(SimConfig cfg, DataLoader.Loaded data, int n) {
    try {
      return partitioner(cfg.data()).partition(data.train().labels(), data.train().groups(), n,
          org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(
              dev.starling.node.runtime.Seeds.derive(cfg.seed(), 1)));
    } catch (IllegalArgumentException e) {
      throw new ConfigError("config key 'data.partition': '" + cfg.data().partition() + "' cannot split "
          + data.train().name() + " (" + data.train().size() + " samples) over " + n + " nodes: " + e.getMessage());
    }
  }

  /** The evaluation set: the test data, or its first {@code data.test-subset} samples. */
  static dev.starling.node.data.Dataset testSet(SimConfig cfg, DataLoader.Loaded data) {
    return cfg.data().testSubset() > 0 && cfg.data().testSubset() < data.test().size()
        ? new SubsetDataset(data.test(), cfg.data().testSubset()) : data.test();
  }
}
