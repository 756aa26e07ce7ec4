package dev.starling.app.experiment;

import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerSetup;
import dev.starling.node.runtime.NodePorts;
import dev.starling.sampling.modest.View;
import java.util.Map;
import org.apache.pekko.actor.typed.Behavior;

/**
 * What a serverless algorithm (MoDeST, D-PSGD, Epidemic Learning, gossip) adds to a
 * {@link PeerWorld}: the behavior of each peer, and how the run around the peers reads its rounds.
 * The algorithm's family supplies it; the simulator and the cluster members use the same one.
 */
public interface PeerProtocol {

  /** Peer {@code i}'s behavior, given what every peer shares ({@code setup}). */
  Behavior<PeerCommand> peer(int i, NodePorts ports, PeerSetup setup, View initialView);

  /** Whether a round ends in one aggregation (MoDeST's sample) rather than in every peer's own model. */
  boolean aggregates();

  /** Virtual seconds without a completed round after which the protocol counts as stalled. */
  double stallLimitSeconds();

  /** Settings the run's summary records besides the common ones. */
  default Map<String, Object> summaryExtras() {
    return Map.of();
  }
}
