package dev.starling.node.dl;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.PeerCheckpoint;
import dev.starling.node.wire.proto.PeerModel;
import dev.starling.node.wire.proto.PeerModelKind;
import java.time.Duration;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A peer of synchronous-round decentralized learning (D-PSGD, Epidemic Learning): each round it
 * trains locally, sends its model to its out-neighbours of the round, waits for the models of its
 * in-neighbours (or the round deadline, so a crashed neighbour cannot stall it) and mixes. The
 * {@link Rule} says who talks to whom and how models are mixed; it is what differs between the
 * algorithms ({@link Dpsgd}, {@link EpidemicLearning}).
 *
 * <p>A node that falls far behind (one restarted after a crash) jumps to the round of the newest
 * model it receives when that is more than {@link #MAX_LAG} rounds ahead of its own.
 *
 * <p>Durable state: after every round it saves the round it trains next and its model; a
 * restarted node continues from them (it lost its inbox, timers and any training in progress).
 */
public final class SyncRoundPeer extends AbstractBehavior<PeerCommand> {

  /** What one synchronous DL algorithm decides. */
  public interface Rule {
    /** Nodes this node sends its round-{@code round} model to. */
    int[] sendTo(int self, long round);

    /** Nodes whose round-{@code round} models this node waits for (ascending). */
    int[] expectFrom(int self, long round);

    /** The degree this node advertises in its messages (for Metropolis-Hastings weights). */
    default int degree(int self, long round) {
      return expectFrom(self, round).length;
    }

    /** The mixed model from this node's own and the received ones (by sender, ascending). */
    float[] mix(int self, long round, float[] own, SortedMap<Integer, Received> received);

    String describe();
  }

  /** A neighbour's model and advertised degree. */
  public record Received(float[] params, int degree) {}

  private record RoundDeadline(long round) {}

  /**
   * Neighbours may run ahead (there is no global barrier, only waits on in-neighbours): their
   * models are kept for up to this many rounds ahead. A node further behind jumps ahead.
   */
  static final int MAX_LAG = 8;

  private enum Phase { IDLE, TRAINING, COLLECTING, DONE }

  private final NodePorts ports;
  private final PeerSetup setup;
  private final Rule rule;
  private final int rounds;
  private final Duration deadline;
  private final TimerScheduler<PeerCommand> timers;
  private final int self;
  private final org.apache.commons.rng.UniformRandomProvider codecRng;

  private long round = 1;
  private Phase phase = Phase.IDLE;
  private float[] model;
  private double lastLoss;
  private final long incarnation;
  private long epoch;
  private final TreeMap<Long, TreeMap<Integer, Received>> inbox = new TreeMap<>();

  /**
   * @param deadline how long after sending its model a node waits for its neighbours' (zero: forever)
   */
  public static Behavior<PeerCommand> create(NodePorts ports, PeerSetup setup, Rule rule, int rounds, Duration deadline) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new SyncRoundPeer(ctx, timers, ports, setup, rule, rounds, deadline)));
  }

  private SyncRoundPeer(ActorContext<PeerCommand> ctx, TimerScheduler<PeerCommand> timers, NodePorts ports,
      PeerSetup setup, Rule rule, int rounds, Duration deadline) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    this.rule = rule;
    this.rounds = rounds;
    this.deadline = deadline;
    this.timers = timers;
    this.self = ports.id();
    var saved = PeerTraining.restore(ports);
    if (saved.isPresent()) {
      PeerCheckpoint cp = saved.get();
      this.incarnation = cp.getIncarnation() + 1;
      this.round = Math.max(1, Math.min(cp.getRound(), rounds + 1L));
      this.model = Tensors.decode(cp.getModel(), setup.initial().length);
      this.phase = round > rounds ? Phase.DONE : Phase.IDLE;
    } else {
      this.incarnation = 0;
      this.model = setup.initial();
    }
    this.codecRng = PeerTraining.codecRng(setup, self, incarnation);
    save(); // this start counts: a later restart draws streams of its own
    ports.network().bind(ctx.messageAdapter(Inbound.class, PeerCommand.Delivered::new));
  }

  @Override
  public Receive<PeerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(PeerCommand.Delivered.class, this::onDelivered)
        .onMessage(PeerCommand.Start.class, m -> {
          if (phase == Phase.IDLE) {
            train(); // a restarted node resumes at its saved round; it jumps ahead on the first newer model it hears
          }
          return this;
        })
        .onMessage(PeerCommand.Leave.class, m -> this)
        .onMessage(PeerCommand.TrainingDone.class, this::onTrainingDone)
        .onMessage(PeerCommand.Timer.class, this::onTimer)
        .build();
  }

  private void train() {
    phase = Phase.TRAINING;
    PeerTraining.submit(ports, setup, getContext().getSelf(), model, round, epoch);
  }

  /** The durable part: the round it trains next, its model, and how often it has started. */
  private void save() {
    long next = round;
    float[] m = model; // replaced, never written in place
    ports.storage().save(() -> PeerCheckpoint.newBuilder().setVersion(1).setIncarnation(incarnation).setRound(next)
        .setModel(Tensors.fp32(m)).build());
  }

  private Behavior<PeerCommand> onTrainingDone(PeerCommand.TrainingDone d) {
    if (d.epoch() != epoch || d.round() != round || phase != Phase.TRAINING) {
      return this;
    }
    if (d.failure() != null) {
      throw new IllegalStateException("peer " + self + " failed to train round " + d.round(), d.failure());
    }
    if (PeerTraining.finite(d.result().params(), d.result().meanLoss())) {
      model = d.result().params();
      lastLoss = d.result().meanLoss();
    } else {
      getContext().getLog().warn("peer {} discarded its diverged round {} training (non-finite values)", self, round);
    }
    int[] targets = rule.sendTo(self, round);
    if (targets.length > 0) {
      var tensor = setup.codec().encode(model, codecRng);
      var msg = PeerModel.newBuilder().setKind(PeerModelKind.NEIGHBOUR).setRound(round).setModel(tensor)
          .setDegree(rule.degree(self, round)).setTrainLoss((float) lastLoss).build();
      for (int j : targets) {
        ports.network().send(j, Envelope.newBuilder().setPeerModel(msg));
      }
    }
    phase = Phase.COLLECTING;
    if (!deadline.isZero()) {
      timers.startSingleTimer(new RoundDeadline(round), new PeerCommand.Timer(new RoundDeadline(round)), deadline);
    }
    tryClose(false);
    return this;
  }

  private Behavior<PeerCommand> onDelivered(PeerCommand.Delivered d) {
    int from = d.inbound().from();
    Envelope env = d.inbound().envelope();
    try {
      if (env.getBodyCase() != Envelope.BodyCase.PEER_MODEL || env.getPeerModel().getKind() != PeerModelKind.NEIGHBOUR) {
        throw new InvalidMessageException("unexpected " + env.getBodyCase() + " (expected a NEIGHBOUR model)");
      }
      if (from < 0 || from >= setup.nodes()) {
        throw new InvalidMessageException("sender " + from + " out of range (0.." + (setup.nodes() - 1) + ")");
      }
      PeerModel m = env.getPeerModel();
      long r = m.getRound();
      if (r < 1 || r > rounds) {
        throw new InvalidMessageException("round " + r + " out of range (1.." + rounds + ")");
      }
      if (m.getDegree() < 1 || m.getDegree() >= setup.nodes()) {
        throw new InvalidMessageException("degree " + m.getDegree() + " out of range (1.." + (setup.nodes() - 1) + ")");
      }
      if (r < round || (r == round && phase == Phase.DONE)) {
        return this; // stale
      }
      float[] params = Tensors.decode(m.getModel(), setup.initial().length);
      if (r > round + MAX_LAG && phase != Phase.DONE) {
        // Fell behind: jump to the sender's round, keeping its own model.
        epoch++;
        timers.cancelAll();
        inbox.headMap(r).clear();
        round = r;
        train();
      }
      if (r <= round + MAX_LAG) {
        inbox.computeIfAbsent(r, x -> new TreeMap<>()).putIfAbsent(from, new Received(params, m.getDegree()));
      }
      if (r == round) {
        tryClose(false);
      }
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "peer {} dropped a message from {}: {}", self, from, e.getMessage());
    }
    return this;
  }

  private Behavior<PeerCommand> onTimer(PeerCommand.Timer t) {
    if (t.key() instanceof RoundDeadline rd && rd.round() == round) {
      tryClose(true);
    }
    return this;
  }

  private void tryClose(boolean deadlinePassed) {
    if (phase != Phase.COLLECTING) {
      return;
    }
    int[] expected = rule.expectFrom(self, round);
    TreeMap<Integer, Received> got = inbox.getOrDefault(round, new TreeMap<>());
    TreeMap<Integer, Received> used = new TreeMap<>();
    for (int j : expected) {
      Received r = got.get(j);
      if (r != null) {
        used.put(j, r);
      }
    }
    if (used.size() < expected.length && !deadlinePassed) {
      return;
    }
    timers.cancel(new RoundDeadline(round));
    inbox.remove(round);
    model = used.isEmpty() ? model : rule.mix(self, round, model, used);
    setup.listener().roundDone(self, round, model, lastLoss);
    round++;
    save();
    if (round > rounds) {
      phase = Phase.DONE;
    } else {
      train();
    }
  }

  /** For diagnostics. */
  @Override
  public String toString() {
    return "SyncRoundPeer(" + self + ", " + rule.describe() + ", round " + round + ", " + phase + ", inbox "
        + Arrays.toString(inbox.keySet().toArray()) + ")";
  }
}
