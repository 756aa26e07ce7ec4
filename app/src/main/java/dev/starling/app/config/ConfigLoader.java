package dev.starling.app.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import dev.starling.node.learning.TrainingConfig;
import dev.starling.simulator.runtime.AvailabilityPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** Reads a simulation config file plus command-line overrides into a validated {@link SimConfig}. */
public final class ConfigLoader {

  private static final String DEFAULTS = "starling-defaults.conf";

  private ConfigLoader() {}

  /** The shipped defaults (every allowed key). */
  public static Config defaults() {
    return ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), DEFAULTS,
        ConfigParseOptions.defaults().setAllowMissing(false));
  }

  /**
   * @param file the HOCON config
   * @param overrides {@code key=value} strings (HOCON values), applied over the file
   * @param seed a seed overriding the config's, or null
   * @param out an output directory overriding the config's, or null
   * @param catalog the algorithms a config may name, their defaults and their checks
   */
  public static SimConfig load(Path file, List<String> overrides, Long seed, Path out, AlgorithmCatalog catalog) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigError("config file not found: " + file);
    }
    Config fromFile;
    try {
      fromFile = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
          .setSyntax(ConfigSyntax.CONF).setIncluder(new RequiredIncludes()));
    } catch (ConfigException e) {
      throw new ConfigError("config file " + file + ": " + oneLine(e.getMessage()));
    }
    Config defaults = defaults();
    StrictConfig.rejectUnknownKeys(fromFile, defaults, file.toString());
    Config user = fromFile;
    for (String o : overrides) {
      Config one = parseOverride(o);
      StrictConfig.rejectUnknownKeys(one, defaults, "--set " + o);
      user = one.withFallback(user);
    }
    // The keys set in this file itself (not through its includes) and with --set.
    java.util.Set<String> userKeys = new java.util.TreeSet<>();
    Config own = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
        .setIncluder(RequiredIncludes.SKIP));
    for (String o : overrides) {
      own = parseOverride(o).withFallback(own);
    }
    for (var e : own.entrySet()) {
      userKeys.add(e.getKey());
    }
    if (seed != null) {
      user = user.withValue("seed", ConfigValueFactory.fromAnyRef(seed));
    }
    if (out != null) {
      user = user.withValue("output.dir", ConfigValueFactory.fromAnyRef(out.toString()));
    }
    if (!user.hasPath("name")) {
      String base = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
      user = user.withValue("name", ConfigValueFactory.fromAnyRef(base));
    }
    Config resolved;
    try {
      Config plain = user.withFallback(defaults).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
      String algorithm = new StrictConfig(plain).choice("algorithm", catalog.algorithms().toArray(String[]::new));
      Config algorithmDefaults = catalog.defaults(algorithm);
      StrictConfig.rejectUnknownKeys(algorithmDefaults, defaults, "the defaults of algorithm " + algorithm);
      resolved = user.withFallback(algorithmDefaults).withFallback(defaults)
          .resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
    } catch (ConfigException e) {
      throw new ConfigError("config file " + file + ": " + oneLine(e.getMessage()));
    }
    SimConfig cfg = read(new StrictConfig(resolved), catalog, userKeys);
    catalog.validate(cfg);
    return cfg;
  }

  private static Config parseOverride(String o) {
    int eq = o.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError("--set '" + o + "': expected key=value");
    }
    String key = o.substring(0, eq).strip();
    String value = o.substring(eq + 1).strip();
    try {
      return ConfigFactory.parseString(key + " = " + value);
    } catch (ConfigException e) {
      try {
        return ConfigFactory.parseString(key + " = " + ConfigValueFactory.fromAnyRef(value).render());
      } catch (ConfigException e2) {
        throw new ConfigError("--set '" + o + "': " + oneLine(e2.getMessage()));
      }
    }
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').strip();
  }

  private static void sharding(StrictConfig c) {
    c.integer("simulation.shards", 1, 1024);
    boolean external = c.choice("simulation.shard-launch", "local", "external").equals("external");
    c.string("simulation.coordinator-host");
    int port = c.integer("simulation.coordinator-port", 0, 65535);
    c.number("simulation.shard-timeout-s", 0, true, 1e6);
    if (external && port == 0 && c.raw().getInt("simulation.shards") > 1) {
      throw new ConfigError("simulation.coordinator-port = 0: with shard-launch = external the shards must know where to join;"
          + " set a port in 1..65535");
    }
  }

  static SimConfig read(StrictConfig c, AlgorithmCatalog catalog) {
    return read(c, catalog, java.util.Set.of());
  }

  static SimConfig read(StrictConfig c, AlgorithmCatalog catalog, java.util.Set<String> userKeys) {
    String algorithm = c.choice("algorithm", catalog.algorithms().toArray(String[]::new));
    int clients = c.integer("clients.count", 1, 100_000_000);
    c.bool("clients.on-demand"); // read by SimConfig.clientsOnDemand, checked here
    sharding(c); // read by SimConfig.sharding
    String outDir = c.optionalString("output.dir");
    SimConfig.Output output = new SimConfig.Output(outDir == null ? null : Paths.get(outDir), c.bool("output.plot"));
    return new SimConfig(
        c.string("name"), c.longValue("seed"), c.integer("rounds", 1, 10_000_000), algorithm, data(c), model(c, catalog),
        clients, training(c), server(c), network(c), devices(c), privacy(c),
        new SimConfig.CodecCfg(c.choice("codec", "fp32", "bf16", "int8", "e3m0", "lattice"),
            c.integer("codec-block", 1, 1 << 24), c.bool("codec-stochastic"), c.integer("codec-bits", 1, 16),
            c.number("codec-clip", 0, true, 1e9)),
        new SimConfig.SecAgg(c.bool("secagg.enabled"), c.integer("secagg.neighbours", 2, 1_000_000),
            c.integer("secagg.threshold", 0, 1_000_000), c.integer("secagg.bits", 0, 63),
            c.number("secagg.stage-timeout-s", 0, true, 1e6)),
        diloco(c), modest(c), dl(c), failures(c, clients), availability(c, clients),
        c.integer("simulation.compute-threads", 0, 1024), output,
        c.raw(), userKeys,
        new SimConfig.FedBuff(c.integer("fedbuff.buffer-size", 1, 1_000_000), c.integer("fedbuff.concurrency", 1, 1_000_000),
            c.choice("fedbuff.staleness", "constant", "polynomial", "hinge"), c.number("fedbuff.staleness-exponent", 0, false, 100),
            c.number("fedbuff.hinge-a", 0, false, 1e6), c.integer("fedbuff.hinge-b", 0, 1_000_000)));
  }

  private static SimConfig.Data data(StrictConfig c) {
    String dataset = c.choice("data.dataset", "synthetic", "mnist", "fashion-mnist", "leaf", "csv", "npy", "image-folder");
    String partition = c.choice("data.partition", "iid", "dirichlet", "shards", "natural");
    SimConfig.Data data = new SimConfig.Data(
        dataset,
        dataDir(c.optionalString("data.dir")),
        c.bool("data.fetch"),
        c.choice("data.normalize", "standard", "none"),
        partition,
        c.number("data.dirichlet-alpha", 0, true, 1e6),
        c.integer("data.min-partition-size", 0, Integer.MAX_VALUE),
        c.integer("data.shards-per-client", 1, 1_000_000),
        c.integer("data.test-subset", 0, Integer.MAX_VALUE),
        new SimConfig.Synthetic(
            c.number("data.synthetic.alpha", 0, false, 1e6),
            c.number("data.synthetic.beta", 0, false, 1e6),
            c.integer("data.synthetic.dimension", 1, 100_000),
            c.integer("data.synthetic.classes", 2, 100_000),
            c.number("data.synthetic.mean-samples", 1, false, 1e7),
            c.number("data.synthetic.sigma-samples", 0, false, 10),
            c.number("data.synthetic.test-fraction", 0, true, 0.9),
            c.integer("data.synthetic.test-devices", 1, Integer.MAX_VALUE)),
        new SimConfig.Leaf(
            optionalPath(c.optionalString("data.leaf.train")),
            optionalPath(c.optionalString("data.leaf.test")),
            c.integer("data.leaf.classes", 0, 1_000_000)),
        new SimConfig.Files(
            optionalPath(c.optionalString("data.files.train")),
            optionalPath(c.optionalString("data.files.test")),
            c.string("data.csv.label-column"),
            c.optionalString("data.csv.group-column")));
    boolean own = List.of("csv", "npy", "image-folder").contains(dataset);
    if (own && (data.files().train() == null || data.files().test() == null)) {
      throw new ConfigError("config key 'data.files.train' and 'data.files.test' must be set when data.dataset = " + dataset);
    }
    if ("leaf".equals(dataset) && (data.leaf().train() == null || data.leaf().test() == null)) {
      throw new ConfigError("config key 'data.leaf.train' and 'data.leaf.test' must be set when data.dataset = leaf");
    }
    return data;
  }

  private static SimConfig.ModelCfg model(StrictConfig c, AlgorithmCatalog catalog) {
    String modelType = c.choice("model.type", catalog.modelTypes().toArray(String[]::new));
    SimConfig.ModelCfg model = new SimConfig.ModelCfg(modelType, c.intList("model.hidden", 1),
        c.choice("model.engine", "starling", "dl4j"), c.raw().getConfig("model.options"));
    return model;
  }

  private static TrainingConfig training(StrictConfig c) {
    String optimizer = c.choice("training.optimizer", "sgd", "adamw");
    double proxMu = c.isSet("training.prox-mu") ? c.number("training.prox-mu", 0, false, 1e6) : 0.0;
    TrainingConfig training = new TrainingConfig(
        c.integer("training.epochs", 1, 10_000),
        c.integer("training.batch-size", 1, 1_000_000),
        "adamw".equals(optimizer) ? TrainingConfig.Optimizer.ADAMW : TrainingConfig.Optimizer.SGD,
        c.number("training.learning-rate", 0, true, 1e6),
        c.number("training.momentum", 0, false, 0.999999),
        c.number("training.weight-decay", 0, false, 1e6),
        proxMu,
        c.integer("training.max-steps", 0, Integer.MAX_VALUE));
    return training;
  }

  private static SimConfig.Server server(StrictConfig c) {
    // Set by the FL strategies' defaults; the other families take no server step.
    double serverLr = c.isSet("server.learning-rate") ? c.number("server.learning-rate", 0, true, 1e6) : 1.0;
    SimConfig.Server server = new SimConfig.Server(
        c.choice("server.sampler", "fixed", "fraction", "poisson"),
        c.integer("server.clients-per-round", 1, 1_000_000),
        c.number("server.fraction", 0, true, 1),
        c.number("server.poisson-rate", 0, true, 1),
        c.number("server.over-selection", 0, false, 10),
        c.integer("server.min-clients", 1, 1_000_000),
        c.number("server.deadline-s", 0, false, 1e9),
        c.integer("server.max-attempts", 1, 1_000_000),
        c.string("server.aggregator").toLowerCase(java.util.Locale.ROOT), // the FL family checks the rule
        c.number("server.trim-fraction", 0, false, 0.4999),
        c.integer("server.krum-byzantine", 0, 1_000_000),
        c.integer("server.krum-selected", 1, 1_000_000),
        serverLr,
        c.number("server.momentum", 0, false, 0.999999),
        c.number("server.beta1", 0, false, 0.999999),
        c.number("server.beta2", 0, false, 0.999999),
        c.number("server.tau", 0, true, 1e6),
        c.integer("server.eval-every", 1, 1_000_000),
        new SimConfig.FederatedEval(c.integer("server.federated-eval.every", 0, 1_000_000),
            c.integer("server.federated-eval.clients", 1, 1_000_000),
            c.number("server.federated-eval.holdout", 0, false, 0.9)));
    return server;
  }

  private static SimConfig.Net network(StrictConfig c) {
    SimConfig.Net net = new SimConfig.Net(
        c.choice("network.latency", "constant", "uniform", "normal", "lognormal", "matrix"),
        optionalPath(c.optionalString("network.latency-matrix")),
        c.choice("network.site-assignment", "round-robin", "random"),
        c.number("network.latency-ms", 0, false, 1e7),
        c.number("network.latency-spread-ms", 0, false, 1e7),
        c.number("network.client-uplink-mbps", 0, true, 1e7),
        c.number("network.client-downlink-mbps", 0, true, 1e7),
        c.number("network.server-mbps", 0, true, 1e7),
        c.number("network.loss", 0, false, 0.999));
    if ("matrix".equals(net.latency()) && net.latencyMatrix() == null) {
      throw new ConfigError("config key 'network.latency-matrix' must name a CSV file when network.latency = matrix");
    }
    return net;
  }

  private static SimConfig.Devices devices(StrictConfig c) {
    SimConfig.Devices devices = new SimConfig.Devices(
        c.number("devices.gflops", 0, true, 1e9),
        c.number("devices.gflops-sigma", 0, false, 10),
        c.number("devices.slow-fraction", 0, false, 1),
        c.number("devices.slow-factor", 1, false, 1e9));
    return devices;
  }

  private static SimConfig.Privacy privacy(StrictConfig c) {
    String mech = c.choice("privacy.mechanism", "none", "gaussian", "rqm");
    int levels = c.integer("privacy.rqm-levels", 2, dev.starling.privacy.rqm.RqmAnalysis.MAX_LEVELS);
    double keep = c.number("privacy.rqm-keep-prob", 0, true, 1);
    if ("rqm".equals(mech) && levels > 2 && keep >= 1) {
      throw new ConfigError("config key 'privacy.rqm-keep-prob': 1 with " + levels
          + " levels gives infinite privacy loss (allowed 0 < q < 1)");
    }
    SimConfig.Privacy privacy = new SimConfig.Privacy(mech,
        c.number("privacy.clip", 0, true, 1e9),
        c.number("privacy.noise-multiplier", 0, false, 1e6),
        levels, keep,
        c.number("privacy.rqm-range-ratio", 0, true, 1e9),
        c.number("privacy.delta", 0, true, 0.999999),
        c.isSet("privacy.budget-epsilon") ? c.number("privacy.budget-epsilon", 0, true, 1e12) : Double.POSITIVE_INFINITY);
    return privacy;
  }

  private static SimConfig.Modest modest(StrictConfig c) {
    int s = c.integer("modest.sample-size", 1, 1_000_000);
    double aggTimeout = c.number("modest.aggregation-timeout-s", 0, true, 1e9);
    double pingTimeout = c.number("modest.ping-timeout-s", 0, true, 1e6);
    double ack = c.number("modest.ack-timeout-s", 0, false, 1e9);
    return new SimConfig.Modest(s, c.integer("modest.aggregators", 1, s), c.number("modest.success-fraction", 0, true, 1),
        c.number("modest.ping-interval-s", 0, true, 1e6), pingTimeout,
        c.integer("modest.inactivity-threshold", 1, Integer.MAX_VALUE), aggTimeout,
        c.integer("modest.min-models", 1, s), ack == 0 ? aggTimeout + 4 * pingTimeout : ack,
        c.integer("modest.advertise-fanout", 0, 1_000_000));
  }

  private static SimConfig.Dl dl(StrictConfig c) {
    String topology = c.choice("dl.topology", "one-peer-exponential", "ring", "regular", "dynamic-regular",
        "fully-connected");
    int degree = c.integer("dl.degree", 1, 1_000_000);
    int fanout = c.integer("dl.fanout", 1, 1_000_000);
    return new SimConfig.Dl(topology, degree, fanout, c.number("dl.round-deadline-s", 0, false, 1e9),
        c.number("dl.gossip-period-s", 0, true, 1e9), c.integer("dl.eval-nodes", 0, Integer.MAX_VALUE));
  }

  private static final java.util.Set<String> FAILURE_KEYS = java.util.Set.of("kind", "fraction", "nodes", "at-round", "at-s");

  private static List<SimConfig.Failure> failures(StrictConfig c, int nodes) {
    List<? extends com.typesafe.config.Config> list;
    try {
      list = c.raw().getConfigList("failures");
    } catch (ConfigException e) {
      throw new ConfigError("config key 'failures': expected a list of {kind, fraction | nodes, at-round | at-s} objects ("
          + oneLine(e.getMessage()) + ")");
    }
    List<SimConfig.Failure> out = new java.util.ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = "failures-" + (i + 1);
      com.typesafe.config.Config f = list.get(i);
      for (String key : StrictConfig.leafPaths(f.root(), "")) {
        if (!FAILURE_KEYS.contains(key)) {
          throw new ConfigError("unknown config key '" + where + "." + key + "' (allowed: kind, fraction, nodes, at-round, at-s)");
        }
      }
      String k = "failures-" + (i + 1);
      StrictConfig fc = new StrictConfig(f.root().atKey(k));
      String kind = fc.choice(k + ".kind", "crash", "leave", "join");
      boolean hasFraction = fc.isSet(k + ".fraction");
      boolean hasNodes = fc.isSet(k + ".nodes");
      if (hasFraction == hasNodes) {
        throw new ConfigError("config key '" + where + "': set exactly one of 'fraction' and 'nodes'");
      }
      boolean hasRound = fc.isSet(k + ".at-round");
      boolean hasTime = fc.isSet(k + ".at-s");
      if (hasRound == hasTime) {
        throw new ConfigError("config key '" + where + "': set exactly one of 'at-round' and 'at-s'");
      }
      int[] ids = hasNodes ? fc.intList(k + ".nodes", 0) : null;
      if (ids != null) {
        for (int id : ids) {
          if (id >= nodes) {
            throw new ConfigError("config key '" + where + ".nodes': node " + id + " is out of range (allowed 0.." + (nodes - 1) + ")");
          }
        }
      }
      out.add(new SimConfig.Failure(kind, hasFraction ? fc.number(k + ".fraction", 0, true, 1) : 0, ids,
          hasRound ? fc.integer(k + ".at-round", 0, 10_000_000) : -1, hasTime ? fc.number(k + ".at-s", 0, false, 1e12) : -1));
    }
    return List.copyOf(out);
  }

  private static AvailabilityPlan.Spec availability(StrictConfig c, int nodes) {
    AvailabilityPlan.Spec a = new AvailabilityPlan.Spec(optionalPath(c.optionalString("availability.trace")),
        c.choice("availability.generator", "none", "alternating"),
        c.number("availability.mean-online-s", 0, true, 1e12), c.number("availability.mean-offline-s", 0, true, 1e12),
        "leave".equals(c.choice("availability.offline", "crash", "leave")));
    if (a.trace() != null) {
      // read it now, so that a bad trace fails before any data is loaded or output written
      dev.starling.simulator.runtime.AvailabilityPlan.of(a, nodes, 0);
    }
    return a;
  }

  private static SimConfig.Diloco diloco(StrictConfig c) {
    int h = c.integer("diloco.inner-steps", 1, 1_000_000);
    int p = c.integer("diloco.fragments", 1, 1_000_000);
    if (h % p != 0) {
      throw new ConfigError("config key 'diloco.fragments': " + p + " does not divide diloco.inner-steps = " + h);
    }
    int tau = c.integer("diloco.overlap", 0, 1_000_000);
    if (tau >= h / p) {
      throw new ConfigError("config key 'diloco.overlap': " + tau + " is out of range (allowed 0 <= tau < H/P = " + h / p + ")");
    }
    long total = c.longValue("diloco.total-steps");
    if (total < h || total % h != 0) {
      throw new ConfigError("config key 'diloco.total-steps': " + total + " must be a positive multiple of diloco.inner-steps = " + h);
    }
    return new SimConfig.Diloco(c.integer("diloco.replicas", 1, 10_000), h, total, p,
        "strided".equals(c.choice("diloco.pattern", "strided", "sequential")), tau,
        c.number("diloco.mix", 0, false, 1), c.number("diloco.outer-lr", 0, true, 1e3),
        c.number("diloco.outer-momentum", 0, false, 0.999999), c.integer("diloco.batch-size", 1, 1_000_000),
        c.number("diloco.sync-timeout-s", 0, true, 86_400));
  }

  private static Path optionalPath(String s) {
    return s == null ? null : Paths.get(s);
  }

  /** Flag, then config, then {@code $STARLING_DATA}, then {@code ~/.starling/data}. */
  /** The {@code --set} string that points {@code data.dir} at {@code dir} (quoted for HOCON). */
  public static String dataDirOverride(Path dir) {
    return "data.dir=\"" + dir.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  public static Path dataDir(String configured) {
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured);
    }
    String env = System.getenv("STARLING_DATA");
    if (env != null && !env.isBlank()) {
      return Paths.get(env);
    }
    return Paths.get(System.getProperty("user.home"), ".starling", "data");
  }
}
