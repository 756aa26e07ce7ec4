package dev.starling.app.cli;

import dev.starling.app.config.ConfigLoader;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.family.AlgorithmFamily;
import dev.starling.app.family.Families;
import dev.starling.app.shard.ShardServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code starling shard}: one shard of a sharded simulation, holding the nodes whose id mod the
 * shard count is its index. {@code simulate --shards N} starts these itself on this machine;
 * on other machines (shard-launch = external) each is started by hand, and the coordinator sends
 * it the run's config.
 */
@Command(name = "shard", mixinStandardHelpOptions = true,
    description = {"Serve one shard of a sharded simulation (see docs/how-to/scale.md).",
        "simulate --shards N starts the shards itself; start them by hand on other machines with",
        "simulation.shard-launch = external."},
    footer = {"", "Examples:", "  ./starling shard --join 10.0.0.1:25600 --index 1 --count 4 --host 10.0.0.2"})
public final class ShardCommand implements Callable<Integer> {

  @Option(names = "--join", required = true, paramLabel = "HOST:PORT",
      description = "The coordinator's address (simulation.coordinator-host and -port).")
  String join;

  @Option(names = "--index", required = true, paramLabel = "I", description = "This shard's index, 1..count-1 (0 is the coordinator).")
  int index;

  @Option(names = "--count", required = true, paramLabel = "N", description = "The run's shard count (simulation.shards).")
  int count;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "The address this shard binds and the coordinator reaches it at (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "0", description = "Its port; 0 = any free one (default).")
  int port;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Dataset cache on this machine, overriding the run's data.dir.")
  Path dataDir;

  @Option(names = "--plugin", paramLabel = "JAR", description = "A jar of the run's own families or model types (repeatable).")
  List<Path> plugins = new ArrayList<>();

  @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "120",
      description = "How long to wait for the coordinator to answer (default: ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Override
  public Integer call() {
    if (count < 2 || count > 1024) {
      throw new UsageException("--count " + count + ": a sharded run has 2..1024 shards");
    }
    if (index < 1 || index >= count) {
      throw new UsageException("--index " + index + ": shards are 1.." + (count - 1) + " (0 is the coordinator)");
    }
    int colon = join.lastIndexOf(':');
    int joinPort = -1;
    try {
      joinPort = colon > 0 ? Integer.parseInt(join.substring(colon + 1)) : -1;
    } catch (NumberFormatException e) {
      joinPort = -1;
    }
    if (joinPort < 1 || joinPort > 65535) {
      throw new UsageException("--join " + join + ": expected HOST:PORT with a port in 1..65535");
    }
    if (port < 0 || port > 65535) {
      throw new UsageException("--port " + port + ": expected 0..65535");
    }
    if (!(timeoutSeconds > 0) || timeoutSeconds > 1e6) {
      throw new UsageException("--timeout-s " + timeoutSeconds + ": expected a number of seconds in (0, 1e6]");
    }
    dev.starling.cluster.Bind.check(host, port, "--host", null, "--port");
    dev.starling.app.plugin.Plugins.install(plugins);
    Families families = Families.standard();
    return ShardServer.serve(join, index, count, host, port, Duration.ofMillis(Math.round(timeoutSeconds * 1000)),
        (config, plan) -> {
          SimConfig cfg = load(config, families);
          if (cfg.sharding().count() != count) {
            throw new IllegalStateException("the run has " + cfg.sharding().count() + " shards, not --count " + count);
          }
          AlgorithmFamily family = families.of(cfg.algorithm());
          if (!family.shardable()) {
            throw new IllegalStateException(family.name() + " runs on one JVM only");
          }
          return family.shard(cfg, DataLoader.load(cfg, System.err::println));
        }, System.err);
  }

  /** The run config the coordinator sent, read as simulate reads a file (with this machine's --data-dir). */
  private SimConfig load(String config, Families families) {
    try {
      Path f = Files.createTempFile("starling-shard-", ".conf");
      try {
        Files.writeString(f, config, StandardCharsets.UTF_8);
        List<String> sets = dataDir == null ? List.of() : List.of(ConfigLoader.dataDirOverride(dataDir));
        return ConfigLoader.load(f, sets, null, null, families);
      } finally {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
