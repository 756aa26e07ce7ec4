package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.app.report.RunWriter;
import dev.starling.node.runtime.Seeds;
import dev.starling.simulator.runtime.DeviceModel;
import dev.starling.simulator.runtime.LinkModel;
import dev.starling.simulator.runtime.SimHarness;
import java.util.Set;

/**
 * What every simulation sets up the same way from its config and seed: the links, the devices
 * (recorded in {@code devices.csv}), the compute threads and the harness.
 */
public final class SimSetup {

  private SimSetup() {}

  /**
   * @param servers node ids with the server's bandwidth, never made slow
   * @param localSamples training samples per node, for {@code devices.csv}
   */
  static SimHarness harness(SimConfig cfg, int nodes, Set<Integer> servers, int[] localSamples, RunWriter writer) {
    DeviceModel devices = devices(cfg, nodes, servers);
    writer.devices(devices, localSamples);
    return harness(cfg, cfg.name(), nodes, servers, devices);
  }

  /**
   * The harness of shard {@code plan.self()} of a sharded run: the same links, devices and seeds
   * as the coordinator's (a shard's nodes train for the virtual durations they would in one JVM),
   * without the files a run writes (the coordinator writes those).
   */
  public static SimHarness shardHarness(SimConfig cfg, int nodes, Set<Integer> servers) {
    return harness(cfg, cfg.name() + "-shard", nodes, servers, devices(cfg, nodes, servers));
  }

  private static DeviceModel devices(SimConfig cfg, int nodes, Set<Integer> servers) {
    SimConfig.Devices dv = cfg.devices();
    return new DeviceModel(nodes, dv.gflops(), dv.gflopsSigma(), dv.slowFraction(), dv.slowFactor(),
        Seeds.derive(cfg.seed(), 3), servers.stream().mapToInt(Integer::intValue).sorted().toArray());
  }

  private static SimHarness harness(SimConfig cfg, String name, int nodes, Set<Integer> servers, DeviceModel devices) {
    LinkModel links = Components.links(cfg.network(), nodes, servers, Seeds.derive(cfg.seed(), 7));
    return new SimHarness(name, nodes, links, devices, servers::contains, threads(cfg), Seeds.derive(cfg.seed(), 4));
  }

  /**
   * How a coordinator starts its local shards: the {@code java ... Main} command line of a CLI
   * JVM, set by the CLI (this package cannot name it). Null: local launch is unavailable.
   */
  public static volatile java.util.function.Supplier<java.util.List<String>> shardLauncher;

  /**
   * Spreads {@code sim}'s run over {@code cfg}'s shards when there is more than one: listens,
   * starts the other shards (local launch) or says how to (external), waits until each has built
   * its nodes, and makes {@code sim} their coordinator. The transport closes with {@code sim}.
   */
  static void spread(SimConfig cfg, SimHarness sim, int nodes, java.nio.file.Path logs) {
    SimConfig.Sharding sh = cfg.sharding();
    if (sh.count() <= 1) {
      return;
    }
    long run = new java.security.SecureRandom().nextLong();
    dev.starling.app.shard.ShardCoordinator c = new dev.starling.app.shard.ShardCoordinator(sh.count(), nodes, sh.host(),
        sh.port(), RunWriter.renderConfig(cfg.resolved()), run, logs);
    sim.closeWith(c);
    if (sh.external()) {
      System.err.println("starling: waiting for " + (sh.count() - 1) + " shards; on each machine run: ./starling "
          + String.join(" ", c.joinArguments(1)).replace("--index 1", "--index I") + "   (I = 1.." + (sh.count() - 1) + ")");
    } else {
      var launcher = shardLauncher;
      if (launcher == null) {
        throw new IllegalStateException("no shard launcher: run through the starling CLI, or use shard-launch = external");
      }
      c.launch(launcher.get());
    }
    c.awaitShards(java.time.Duration.ofMillis(Math.round(sh.timeoutSeconds() * 1000)));
    sim.coordinate(new dev.starling.simulator.runtime.Shards.Plan(sh.count(), 0), c.links());
  }

  /** Compute threads: the configured count, else one per core. */
  static int threads(SimConfig cfg) {
    return cfg.computeThreads() > 0 ? cfg.computeThreads() : Runtime.getRuntime().availableProcessors();
  }
}
