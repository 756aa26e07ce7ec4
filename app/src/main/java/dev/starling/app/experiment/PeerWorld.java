package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.node.data.Dataset;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerListener;
import dev.starling.node.dl.PeerSetup;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.sampling.modest.View;
import org.apache.pekko.actor.typed.Behavior;

/**
 * What a serverless run (MoDeST, D-PSGD, Epidemic Learning, gossip) derives from its config and
 * seed: the data split, model, initial parameters and codec, and each peer's behavior by the
 * algorithm's {@link PeerProtocol}. The simulator and the cluster runtime both build their peers
 * from this.
 */
public final class PeerWorld {

  private final SimConfig cfg;
  private final DataLoader.Loaded data;
  private final int n;
  private final int[][] parts;
  /** The samples each node scores models on in federated evaluation (its held-out part, or its training data). */
  private final int[][] evalParts;
  private final ModelPool pool;
  private final float[] initial;
  private final Dataset test;
  private final Codec codec;
  private final PeerProtocol protocol;

  public PeerWorld(SimConfig cfg, DataLoader.Loaded data, PeerProtocol protocol) {
    this.cfg = cfg;
    this.data = data;
    this.n = cfg.clients();
    SimConfig.FederatedEval fe = cfg.server().federatedEval();
    int[][][] split = FlWorld.holdOutAll(Components.partition(cfg, data, n), fe.every() > 0 ? fe.holdout() : 0, cfg.seed());
    this.parts = split[0];
    this.evalParts = split[1];
    this.pool = Components.models(cfg, data.train());
    this.initial = pool.initialParams(Seeds.derive(cfg.seed(), 2));
    this.test = Components.testSet(cfg, data);
    SimConfig.CodecCfg cc = cfg.codec();
    this.codec = Codecs.of(cc.name(), cc.block(), cc.stochastic(), cc.bits(), cc.clip());
    this.protocol = protocol;
  }

  public PeerProtocol protocol() {
    return protocol;
  }

  public int[][] parts() {
    return parts;
  }

  /** Node i's federated-evaluation samples (of the training set). */
  public int[][] evalParts() {
    return evalParts;
  }

  /** The training set, which the federated-evaluation samples index. */
  public Dataset train() {
    return data.train();
  }

  public ModelPool pool() {
    return pool;
  }

  public Dataset test() {
    return test;
  }

  /** Peer {@code i}'s behavior. */
  public Behavior<PeerCommand> peer(int i, NodePorts ports, PeerListener listener, View initialView) {
    PeerSetup setup = new PeerSetup(data.train(), parts[i], pool, initial, n, codec, Seeds.derive(cfg.seed(), 5), listener);
    return protocol.peer(i, ports, setup, initialView);
  }
}
