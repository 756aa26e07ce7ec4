package dev.starling.app.cli;

import dev.starling.app.config.ConfigLoader;
import dev.starling.app.config.SimConfig;
import dev.starling.app.family.AlgorithmFamily;
import dev.starling.app.family.Families;
import dev.starling.app.member.ClusterConfig;
import dev.starling.app.member.ClusterMember;
import dev.starling.app.member.LocalCluster;
import dev.starling.cluster.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code starling node}: run one member of a real Pekko cluster ({@code --config --role}), a whole
 * setup on this machine as separate JVMs ({@code node local}), or make the cluster's TLS keys
 * ({@code node keys}).
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    footer = {"", "Examples:", "  ./starling node keys --out keys --nodes 4", "  ./starling node --config configs/cluster/fl.conf --role server --id 0 --keys keys", "  ./starling node local fl --out runs/cluster-fl"},
    
    description = {"Run one cluster member with the config's algorithm, over Artery (TLS with mutual authentication by default).",
        "Members find each other through the cluster Receptionist; results go to --out."},
    subcommands = {NodeCommand.Local.class, NodeCommand.MakeKeys.class})
public final class NodeCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "The run's config, e.g. configs/cluster/fl.conf.")
  Path config;

  @Option(names = "--role", paramLabel = "ROLE", description = "server | client (FL), peer (MoDeST, D-PSGD, ...), replica (DiLoCo).")
  String role;

  @Option(names = "--id", paramLabel = "N", description = "This member's node id (clients 1..N, peers and replicas 0..N-1).")
  Integer id;

  @Option(names = "--port", paramLabel = "P", description = "Port to listen on (default cluster.base-port + id).")
  Integer port;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to bind and advertise (default cluster.host).")
  String host;

  @Option(names = "--seed-nodes", paramLabel = "HOST:PORT,...", split = ",",
      description = "Seed members (default cluster.seed-nodes, else the first three members).")
  List<String> seedNodes;

  @Option(names = "--keys", paramLabel = "DIR", description = "Keystore directory (default cluster.keys-dir).")
  Path keys;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default runs/<config>-<role>-<id>/).")
  Path out;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one config key (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Dataset cache (overrides data.dir).")
  Path dataDir;

  @Option(names = "--plugin", paramLabel = "JAR",
      description = "A jar (or class directory) of your own algorithm families and model types (repeatable).")
  List<Path> plugins = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (config == null || role == null) {
      throw new UsageException("node needs --config FILE and --role server|client|peer|replica (or: node local, node keys)");
    }
    ClusterConfig.Role r;
    try {
      r = ClusterConfig.Role.valueOf(role.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--role '" + role + "' is not a role (allowed: server, client, peer, replica)");
    }
    List<String> sets = new ArrayList<>(overrides);
    if (dataDir != null) {
      sets.add(ConfigLoader.dataDirOverride(dataDir));
    }
    dev.starling.app.plugin.Plugins.install(plugins);
    Families families = Families.standard();
    SimConfig cfg = ConfigLoader.load(config, sets, null, null, families);
    AlgorithmFamily family = families.of(cfg.algorithm());
    ClusterConfig cc = ClusterConfig.of(cfg);
    for (String w : family.warnings(cfg)) {
      System.err.println("starling: warning: " + w); // the member's log, with its other lines
    }
    ClusterConfig.Member me = ClusterConfig.member(cfg, family.layout(), r, id);
    if (port != null && (port < 1 || port > 65535)) {
      throw new UsageException("--port " + port + " is out of range (allowed 1..65535)");
    }
    if (seedNodes != null) {
      for (String s : seedNodes) {
        ClusterConfig.hostPort(s, "--seed-nodes");
      }
    }
    Path dir = out != null ? out : Paths.get("runs", cfg.name() + "-" + me.label());
    return new ClusterMember(cfg, cc, family.layout(), me, new ClusterMember.Options(dir, host, port, seedNodes, keys),
        System.err, family::runMember).run();
  }

  /** {@code node local SETUP}: a whole shipped setup (configs/cluster/SETUP.conf) as separate JVMs on this machine. */
  @Command(name = "local", mixinStandardHelpOptions = true,
      description = "Start every member of configs/cluster/<SETUP>.conf as its own JVM on 127.0.0.1, wait for the run to end,"
          + " stop every process started, and leave each member's node.log and summary.json under --out; print the final"
          + " accuracy and model hash.",
      footer = {"", "Examples:", "  ./starling node local fl --out runs/cluster-fl",
          "  ./starling node local diloco --set diloco.total-steps=200",
          "  ./starling node local fl --set codec=lattice --set secagg.enabled=true"})
  static final class Local implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SETUP", description = "A setup of configs/cluster/ (fl, modest, diloco), or a config file.")
    String setup;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default runs/cluster-<setup>-<timestamp>/).")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one config key in every member (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--plugin", paramLabel = "JAR",
        description = "A jar (or class directory) of your own algorithm families and model types, for every member (repeatable).")
    List<Path> plugins = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      Path cfgFile;
      Path shipped = LocalCluster.home().resolve("configs").resolve("cluster");
      if (setup.endsWith(".conf")) {
        cfgFile = Paths.get(setup);
      } else if (setup.matches("[A-Za-z0-9_-]+") && Files.isRegularFile(shipped.resolve(setup + ".conf"))) {
        cfgFile = shipped.resolve(setup + ".conf");
      } else {
        throw new UsageException("node local '" + setup + "': unknown setup (allowed: " + shippedSetups(shipped)
            + ", or a .conf file)");
      }
      if (!Files.isRegularFile(cfgFile)) {
        throw new UsageException("node local: config file not found: " + cfgFile);
      }
      Path dir = out != null ? out : Paths.get("runs", "cluster-" + setup.replaceAll(".*/|\\.conf$", "") + "-"
          + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
      dev.starling.app.plugin.Plugins.install(plugins);
      Families families = Families.standard();
      SimConfig cfg = ConfigLoader.load(cfgFile, overrides, null, null, families);
      return new LocalCluster(cfgFile, cfg, families.of(cfg.algorithm()).layout(), overrides, dir, System.err,
          Main.class.getName()).run();
    }

    /** The setups shipped in configs/cluster/, by name. */
    private static String shippedSetups(Path dir) throws java.io.IOException {
      if (!Files.isDirectory(dir)) {
        return "none shipped in " + dir;
      }
      try (var files = Files.list(dir)) {
        return String.join(", ", files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".conf"))
            .map(f -> f.substring(0, f.length() - 5)).sorted().toList());
      }
    }
  }

  /** {@code node keys}: a CA and per-node keystores. */
  @Command(name = "keys", mixinStandardHelpOptions = true,
      footer = {"", "Examples:", "  ./starling node keys --out keys --nodes 4"},
      description = {"Make a cluster CA (in --out/ca/, under its own password) and, for nodes 0..N-1, keystores",
          "node-<id>.p12 with their own passwords (node-<id>.password), truststore.p12 and ca.pem in --out.",
          "Every file is readable by its owner only; each certificate names its node id.",
          "Copy node-<id>.* and truststore* to machine <id>; ca/ stays here."})
  static final class MakeKeys implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the keys (must not hold keys).")
    Path out;

    @Option(names = "--nodes", required = true, paramLabel = "N", description = "How many node keystores.")
    int nodes;

    @Option(names = "--san", paramLabel = "LIST", defaultValue = "ip:127.0.0.1,dns:localhost",
        description = {"Subject alternative names of the node certificates", "(default: ${DEFAULT-VALUE})."})
    String san;

    @Option(names = "--validity-days", paramLabel = "D", defaultValue = "365", description = "Certificate validity.")
    int days;

    @Override
    public Integer call() throws Exception {
      if (days < 1 || days > 36500) {
        throw new UsageException("--validity-days " + days + " is out of range (allowed 1..36500)");
      }
      Keys.make(out, nodes, san, days);
      System.err.println("starling: CA and " + nodes + " node keystores written to " + out
          + " (the CA key in " + out.resolve(Keys.CA_DIR) + " stays on this machine)");
      return 0;
    }
  }
}
