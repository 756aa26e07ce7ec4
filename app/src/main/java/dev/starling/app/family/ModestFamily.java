package dev.starling.app.family;

import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.PeerProtocol;
import dev.starling.node.dl.ModestPeer;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerSetup;
import dev.starling.node.runtime.Clock;
import dev.starling.node.runtime.NodePorts;
import dev.starling.sampling.modest.View;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;

/** MoDeST: each round a sample of peers, chosen from every peer's view by hashing, trains and aggregates. */
public final class ModestFamily extends PeerFamily {

  @Override
  public String name() {
    return "modest";
  }

  @Override
  public List<String> algorithms() {
    return List.of("modest");
  }

  @Override
  public void validate(SimConfig cfg) {
    SimConfig.Modest m = cfg.modest();
    if (m.sampleSize() > cfg.clients()) {
      throw new dev.starling.app.config.ConfigError("config key 'modest.sample-size': " + m.sampleSize() + " is more than the "
          + cfg.clients() + " nodes (clients.count), so no round could fill its sample (allowed 1.." + cfg.clients() + ")");
    }
    if (m.aggregators() > cfg.clients()) {
      throw new dev.starling.app.config.ConfigError("config key 'modest.aggregators': " + m.aggregators() + " is more than the "
          + cfg.clients() + " nodes (clients.count; allowed 1.." + cfg.clients() + ")");
    }
  }

  @Override
  PeerProtocol protocol(SimConfig cfg) {
    SimConfig.Modest m = cfg.modest();
    ModestPeer.Params params = new ModestPeer.Params(m.sampleSize(), m.aggregators(), m.successFraction(),
        Clock.seconds(m.pingIntervalSeconds()), Clock.seconds(m.pingTimeoutSeconds()), m.inactivityThreshold(),
        Clock.seconds(m.aggregationTimeoutSeconds()), m.minModels(), Clock.seconds(m.ackTimeoutSeconds()),
        m.advertiseFanout());
    double stall = 20 * (m.aggregationTimeoutSeconds() + m.ackTimeoutSeconds()) + 3600;
    return new PeerProtocol() {
      @Override
      public Behavior<PeerCommand> peer(int i, NodePorts ports, PeerSetup setup, View initialView) {
        return ModestPeer.create(ports, setup, params, initialView);
      }

      @Override
      public boolean aggregates() {
        return true;
      }

      @Override
      public double stallLimitSeconds() {
        return stall;
      }
    };
  }
}
