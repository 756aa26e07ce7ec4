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
final class SimSetup {

  private SimSetup() {}

  /**
   * @param servers node ids with the server's bandwidth, never made slow
   * @param localSamples training samples per node, for {@code devices.csv}
   */
  static SimHarness harness(SimConfig cfg, int nodes, Set<Integer> servers, int[] localSamples, RunWriter writer) {
    LinkModel links = Components.links(cfg.network(), nodes, servers, Seeds.derive(cfg.seed(), 7));
    SimConfig.Devices dv = cfg.devices();
    DeviceModel devices = new DeviceModel(nodes, dv.gflops(), dv.gflopsSigma(), dv.slowFraction(), dv.slowFactor(),
        Seeds.derive(cfg.seed(), 3), servers.stream().mapToInt(Integer::intValue).sorted().toArray());
    writer.devices(devices, localSamples);
    return new SimHarness(cfg.name(), nodes, links, devices, servers::contains, threads(cfg), Seeds.derive(cfg.seed(), 4));
  }

  /** Compute threads: the configured count, else one per core. */
  static int threads(SimConfig cfg) {
    return cfg.computeThreads() > 0 ? cfg.computeThreads() : Runtime.getRuntime().availableProcessors();
  }
}
