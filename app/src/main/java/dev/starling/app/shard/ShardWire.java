package dev.starling.app.shard;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.starling.cluster.ClusterSettings;
import dev.starling.node.wire.proto.ShardCommand;
import dev.starling.node.wire.proto.ShardDeliver;
import dev.starling.node.wire.proto.ShardEffect;
import dev.starling.node.wire.proto.ShardInsert;
import dev.starling.node.wire.proto.ShardReply;
import dev.starling.node.wire.proto.ShardTell;
import dev.starling.simulator.runtime.Shards;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire of a sharded simulation: the Pekko settings the coordinator and the shards share
 * (a cluster over Artery TCP whose seed is the coordinator; every shard message on the
 * large-message stream, up to {@link #MAX_MESSAGE_BYTES}) and the translation between the
 * simulator's {@link Shards} records and their protobuf messages, validated on the way in.
 */
final class ShardWire {

  private ShardWire() {}

  /** The shard protocol version this build speaks; a shard of another is refused. */
  static final int VERSION = 1;

  static final String SYSTEM = "starling-shards";
  static final String COORDINATOR = "coordinator";
  static final String SHARD = "shard";

  /** The largest command or reply (a model in an envelope, or a reply's sends). */
  static final int MAX_MESSAGE_BYTES = 256 << 20;

  private static final List<String> MESSAGES = List.of("ShardHello", "ShardWelcome", "ShardReady", "ShardCommand", "ShardReply");

  /** Settings of a member binding {@code host:port} that joins the cluster of {@code seed} ("host:port"; null: it is the seed). */
  static Config pekko(String host, int port, String seed) {
    Config base = new ClusterSettings(SYSTEM, host, port, seed == null ? List.of() : List.of(seed), null, MAX_MESSAGE_BYTES,
        MAX_MESSAGE_BYTES).pekkoConfig();
    Config c = ConfigFactory.empty()
        .withValue("pekko.remote.artery.large-message-destinations",
            ConfigValueFactory.fromIterable(List.of("/user/" + COORDINATOR, "/user/" + SHARD)))
        .withValue("pekko.remote.artery.advanced.large-buffer-pool-size", ConfigValueFactory.fromAnyRef(4))
        // A shard busy with a long compute job, or a large heap's GC, must not look like a dead shard.
        .withValue("pekko.cluster.failure-detector.acceptable-heartbeat-pause", ConfigValueFactory.fromAnyRef("15s"))
        // Leaving a cluster in which a shard died cannot be confirmed by it: do not wait 10 s for that.
        .withValue("pekko.coordinated-shutdown.phases.cluster-exiting.timeout", ConfigValueFactory.fromAnyRef("2s"))
        .withValue("pekko.loglevel", ConfigValueFactory.fromAnyRef("WARNING"));
    for (String m : MESSAGES) {
      c = c.withValue("pekko.actor.serialization-bindings.\"dev.starling.node.wire.proto." + m + "\"",
          ConfigValueFactory.fromAnyRef("proto"));
    }
    return c.withFallback(base);
  }

  static ShardCommand encode(long run, long call, Shards.Command c) {
    ShardCommand.Builder b = ShardCommand.newBuilder().setRun(run).setCall(call).setTimeNanos(c.timeNanos());
    if (c instanceof Shards.Run r) {
      b.setRunAction(r.action());
    } else if (c instanceof Shards.Deliver d) {
      b.setDeliver(ShardDeliver.newBuilder().setTo(d.to()).setEnvelope(d.envelope()));
    } else if (c instanceof Shards.Start s) {
      b.setStart(s.node());
    } else if (c instanceof Shards.Crash cr) {
      b.setCrash(cr.node());
    } else if (c instanceof Shards.Finish) {
      b.setFinish(true);
    } else if (c instanceof Shards.Tell t) {
      b.setTell(ShardTell.newBuilder().setNode(t.node()).setSignal(t.signal()));
    }
    return b.build();
  }

  /** The command in {@code m}, for a run of {@code nodes} nodes; throws {@link IllegalArgumentException} naming what is wrong. */
  static Shards.Command decode(ShardCommand m, int nodes) {
    long t = m.getTimeNanos();
    if (t < 0) {
      throw new IllegalArgumentException("command at negative time " + t);
    }
    return switch (m.getKindCase()) {
      case RUN_ACTION -> new Shards.Run(m.getRunAction(), t);
      case DELIVER -> new Shards.Deliver(node(m.getDeliver().getTo(), nodes), m.getDeliver().getEnvelope(), t);
      case START -> new Shards.Start(node(m.getStart(), nodes), t);
      case CRASH -> new Shards.Crash(node(m.getCrash(), nodes), t);
      case FINISH -> new Shards.Finish(t);
      case TELL -> new Shards.Tell(node(m.getTell().getNode(), nodes), m.getTell().getSignal(), t);
      case KIND_NOT_SET -> throw new IllegalArgumentException("command " + m.getCall() + " has no kind");
    };
  }

  static ShardReply encode(long run, long call, int index, Shards.Reply r) {
    ShardReply.Builder b = ShardReply.newBuilder().setRun(run).setCall(call).setIndex(index).setRejected(r.rejected())
        .setFailure(r.failure() == null ? "" : r.failure());
    if (r.counters() != null) {
      b.setBusySeconds(r.counters().busySeconds()).setTrainingBusySeconds(r.counters().trainingBusySeconds())
          .setJobs(r.counters().jobs());
    }
    for (Shards.Effect e : r.effects()) {
      ShardEffect.Builder eb = ShardEffect.newBuilder();
      if (e instanceof Shards.Insert in) {
        eb.setInsert(ShardInsert.newBuilder().setDelayNanos(in.delayNanos()).setAction(in.action()));
      } else if (e instanceof Shards.Cancel c) {
        eb.setCancel(c.action());
      } else if (e instanceof Shards.Send s) {
        eb.setSend(ShardDeliver.newBuilder().setTo(s.to()).setEnvelope(s.envelope()));
      } else if (e instanceof Shards.Note n) {
        eb.setNote(com.google.protobuf.ByteString.copyFrom(n.data()));
      }
      b.addEffects(eb);
    }
    return b.build();
  }

  /** The reply in {@code m}, for a run of {@code nodes} nodes; throws {@link IllegalArgumentException} naming what is wrong. */
  static Shards.Reply decode(ShardReply m, int nodes) {
    List<Shards.Effect> effects = new ArrayList<>(m.getEffectsCount());
    for (ShardEffect e : m.getEffectsList()) {
      effects.add(switch (e.getKindCase()) {
        case INSERT -> {
          if (e.getInsert().getDelayNanos() < 0) {
            throw new IllegalArgumentException("an action scheduled " + e.getInsert().getDelayNanos() + " ns in the past");
          }
          yield new Shards.Insert(e.getInsert().getDelayNanos(), e.getInsert().getAction());
        }
        case CANCEL -> new Shards.Cancel(e.getCancel());
        case SEND -> new Shards.Send(node(e.getSend().getTo(), nodes), e.getSend().getEnvelope());
        case NOTE -> new Shards.Note(e.getNote().toByteArray());
        case KIND_NOT_SET -> throw new IllegalArgumentException("an effect with no kind");
      });
    }
    if (!Double.isFinite(m.getBusySeconds()) || !Double.isFinite(m.getTrainingBusySeconds()) || m.getJobs() < 0) {
      throw new IllegalArgumentException("counters " + m.getBusySeconds() + " s, " + m.getJobs() + " jobs");
    }
    return new Shards.Reply(effects, m.getRejected(), m.getFailure().isEmpty() ? null : m.getFailure(),
        new Shards.Counters(m.getBusySeconds(), m.getTrainingBusySeconds(), m.getJobs()));
  }

  /** {@code id} (an unsigned field) as a node id of a run of {@code nodes}. */
  private static int node(int id, int nodes) {
    if (Integer.compareUnsigned(id, nodes) >= 0) {
      throw new IllegalArgumentException("node " + Integer.toUnsignedString(id) + " (the run has nodes 0.." + (nodes - 1) + ")");
    }
    return id;
  }
}
