package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.node.data.Dataset;
import dev.starling.node.dl.Dpsgd;
import dev.starling.node.dl.EpidemicLearning;
import dev.starling.node.dl.GossipPeer;
import dev.starling.node.dl.ModestPeer;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerListener;
import dev.starling.node.dl.PeerSetup;
import dev.starling.node.dl.SyncRoundPeer;
import dev.starling.node.dl.TopologySchedule;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.runtime.Clock;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.Codecs;
import dev.starling.sampling.modest.View;
import dev.starling.sampling.topology.FullyConnected;
import dev.starling.sampling.topology.OnePeerExponential;
import dev.starling.sampling.topology.RandomRegular;
import dev.starling.sampling.topology.Ring;
import dev.starling.sampling.topology.Topology;
import org.apache.pekko.actor.typed.Behavior;

/**
 * What a serverless run (MoDeST, D-PSGD, Epidemic Learning, gossip) derives from its config and
 * seed: the data split, model, initial parameters, codec and each peer's behavior. The simulator
 * and the cluster runtime both build their peers from this.
 */
public final class PeerWorld {

  private final SimConfig cfg;
  private final DataLoader.Loaded data;
  private final int n;
  private final int[][] parts;
  private final ModelPool pool;
  private final float[] initial;
  private final Dataset test;
  private final Codec codec;
  private final SyncRoundPeer.Rule rule;

  public PeerWorld(SimConfig cfg, DataLoader.Loaded data) {
    this.cfg = cfg;
    this.data = data;
    this.n = cfg.clients();
    this.parts = Components.partition(cfg, data, n);
    ModelSpec spec = Components.model(cfg.model(), data.train());
    this.pool = Components.models(cfg, spec);
    this.initial = pool.initialParams(Seeds.derive(cfg.seed(), 2));
    this.test = Components.testSet(cfg, data);
    SimConfig.CodecCfg cc = cfg.codec();
    this.codec = Codecs.of(cc.name(), cc.block(), cc.stochastic());
    SimConfig.Dl dl = cfg.dl();
    this.rule = switch (cfg.algorithm()) {
      case "dpsgd" -> new Dpsgd(new TopologySchedule(topology(dl), n, Seeds.derive(cfg.seed(), 9)));
      case "epidemic" -> new EpidemicLearning(n, dl.fanout(), Seeds.derive(cfg.seed(), 9));
      default -> null;
    };
  }

  public int[][] parts() {
    return parts;
  }

  public ModelPool pool() {
    return pool;
  }

  public Dataset test() {
    return test;
  }

  /** Peer {@code i}'s behavior. */
  public Behavior<PeerCommand> peer(int i, NodePorts ports, PeerListener listener, View initialView, boolean online) {
    SimConfig.Dl dl = cfg.dl();
    PeerSetup setup = new PeerSetup(data.train(), parts[i], pool, initial, n, codec, Seeds.derive(cfg.seed(), 5), listener);
    return switch (cfg.algorithm()) {
      case "modest" -> ModestPeer.create(ports, setup, modestParams(), initialView, online);
      case "gossip" -> GossipPeer.create(ports, setup, Clock.seconds(dl.gossipPeriodSeconds()), cfg.rounds(), online);
      default -> SyncRoundPeer.create(ports, setup, rule, cfg.rounds(), Clock.seconds(dl.roundDeadlineSeconds()),
          online);
    };
  }

  private ModestPeer.Params modestParams() {
    SimConfig.Modest m = cfg.modest();
    return new ModestPeer.Params(m.sampleSize(), m.aggregators(), m.successFraction(),
        Clock.seconds(m.pingIntervalSeconds()), Clock.seconds(m.pingTimeoutSeconds()), m.inactivityThreshold(),
        Clock.seconds(m.aggregationTimeoutSeconds()), m.minModels(), Clock.seconds(m.ackTimeoutSeconds()),
        m.advertiseFanout());
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
