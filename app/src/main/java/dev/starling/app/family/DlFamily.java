package dev.starling.app.family;

import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.PeerProtocol;
import dev.starling.node.dl.Dpsgd;
import dev.starling.node.dl.EpidemicLearning;
import dev.starling.node.dl.GossipPeer;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerSetup;
import dev.starling.node.dl.SyncRoundPeer;
import dev.starling.node.dl.TopologySchedule;
import dev.starling.node.runtime.Clock;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import dev.starling.sampling.modest.View;
import dev.starling.sampling.topology.FullyConnected;
import dev.starling.sampling.topology.OnePeerExponential;
import dev.starling.sampling.topology.RandomRegular;
import dev.starling.sampling.topology.Ring;
import dev.starling.sampling.topology.Topology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The decentralized-learning baselines, every peer keeping its own model: D-PSGD over a topology
 * schedule and Epidemic Learning (synchronous rounds that share {@link SyncRoundPeer}), and
 * asynchronous gossip learning.
 */
public final class DlFamily extends PeerFamily {

  private static final Map<String, Function<SimConfig, PeerProtocol>> PROTOCOLS = new LinkedHashMap<>();

  static {
    PROTOCOLS.put("dpsgd", cfg -> rounds(cfg, new Dpsgd(new TopologySchedule(topology(cfg.dl()), cfg.clients(),
        Seeds.derive(cfg.seed(), 9))), Map.of("topology", cfg.dl().topology())));
    PROTOCOLS.put("epidemic", cfg -> rounds(cfg, new EpidemicLearning(cfg.clients(), cfg.dl().fanout(),
        Seeds.derive(cfg.seed(), 9)), Map.of()));
    PROTOCOLS.put("gossip", DlFamily::gossip);
  }

  @Override
  public String name() {
    return "dl";
  }

  @Override
  public List<String> algorithms() {
    return List.copyOf(PROTOCOLS.keySet());
  }

  @Override
  PeerProtocol protocol(SimConfig cfg) {
    return PROTOCOLS.get(cfg.algorithm()).apply(cfg);
  }

  /** A static regular graph needs degree < nodes and an even degree sum; Epidemic Learning's fanout < nodes. */
  @Override
  public void validate(SimConfig cfg) {
    SimConfig.Dl dl = cfg.dl();
    int nodes = cfg.clients();
    boolean regular = "regular".equals(dl.topology()) || "dynamic-regular".equals(dl.topology());
    if ("dpsgd".equals(cfg.algorithm()) && regular
        && (dl.degree() >= nodes || (long) dl.degree() * nodes % 2 != 0)) {
      throw new ConfigError("config key 'dl.degree': " + dl.degree() + " gives no regular graph on clients.count = "
          + nodes + " nodes (allowed: degree < nodes and degree x nodes even)");
    }
    if ("epidemic".equals(cfg.algorithm()) && dl.fanout() >= nodes) {
      throw new ConfigError("config key 'dl.fanout': " + dl.fanout() + " is out of range for clients.count = " + nodes
          + " (allowed 1.." + (nodes - 1) + ")");
    }
  }

  /** Synchronous rounds: train, send by {@code rule}, wait for the round's models or its deadline. */
  private static PeerProtocol rounds(SimConfig cfg, SyncRoundPeer.Rule rule, Map<String, Object> extras) {
    SimConfig.Dl dl = cfg.dl();
    return new PeerProtocol() {
      @Override
      public Behavior<PeerCommand> peer(int i, NodePorts ports, PeerSetup setup, View initialView) {
        return SyncRoundPeer.create(ports, setup, rule, cfg.rounds(), Clock.seconds(dl.roundDeadlineSeconds()));
      }

      @Override
      public boolean aggregates() {
        return false;
      }

      @Override
      public double stallLimitSeconds() {
        return 20 * Math.max(dl.roundDeadlineSeconds(), 60) + 3600;
      }

      @Override
      public Map<String, Object> summaryExtras() {
        return extras;
      }
    };
  }

  private static PeerProtocol gossip(SimConfig cfg) {
    double period = cfg.dl().gossipPeriodSeconds();
    return new PeerProtocol() {
      @Override
      public Behavior<PeerCommand> peer(int i, NodePorts ports, PeerSetup setup, View initialView) {
        return GossipPeer.create(ports, setup, Clock.seconds(period), cfg.rounds());
      }

      @Override
      public boolean aggregates() {
        return false;
      }

      @Override
      public double stallLimitSeconds() {
        return 20 * period + 3600;
      }
    };
  }

  private static Topology topology(SimConfig.Dl dl) {
    return switch (dl.topology()) {
      case "ring" -> new Ring();
      case "regular" -> new RandomRegular(dl.degree(), false);
      case "dynamic-regular" -> new RandomRegular(dl.degree(), true);
      case "fully-connected" -> new FullyConnected();
      default -> new OnePeerExponential();
    };
  }
}
