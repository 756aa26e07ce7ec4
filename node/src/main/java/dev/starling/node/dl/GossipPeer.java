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
import java.util.SplittableRandom;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Gossip learning (Ormándi et al.; the baseline of modest.md section 3.1): every period each node
 * sends its model and its age (samples trained into it) to one random node. A receiver merges the
 * incoming model with its own weighted by age (equal weights when both are 0), takes the larger
 * age, trains, and adds the samples trained to its age. A model that arrives while the node is
 * training waits (the newest one only) until training ends. A "round" for metrics is one period:
 * a node reports its model at each of its period ticks.
 *
 * <p>Durable state: at every tick it saves its ticks, model and age; a restarted node continues
 * from them (a model waiting or in training is lost).
 */
public final class GossipPeer extends AbstractBehavior<PeerCommand> {

  private record Tick() {}

  private record Incoming(float[] params, long age) {}

  private final NodePorts ports;
  private final PeerSetup setup;
  private final Duration period;
  private final int rounds;
  private final TimerScheduler<PeerCommand> timers;
  private final int self;
  private final SplittableRandom rng;
  private final org.apache.commons.rng.UniformRandomProvider codecRng;

  private float[] model;
  private long age;
  private double lastLoss;
  private boolean training;
  private Incoming pending;
  private long ticks;
  private final long incarnation;

  public static Behavior<PeerCommand> create(NodePorts ports, PeerSetup setup, Duration period, int rounds) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new GossipPeer(ctx, timers, ports, setup, period, rounds)));
  }

  private GossipPeer(ActorContext<PeerCommand> ctx, TimerScheduler<PeerCommand> timers, NodePorts ports,
      PeerSetup setup, Duration period, int rounds) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    this.period = period;
    this.rounds = rounds;
    this.timers = timers;
    this.self = ports.id();
    var saved = PeerTraining.restore(ports);
    if (saved.isPresent()) {
      PeerCheckpoint cp = saved.get();
      this.incarnation = cp.getIncarnation() + 1;
      this.ticks = Math.min(cp.getRound(), rounds);
      this.model = Tensors.decode(cp.getModel(), setup.initial().length);
      this.age = cp.getAge();
    } else {
      this.incarnation = 0;
      this.model = setup.initial();
    }
    this.rng = new SplittableRandom(PeerTraining.stream(setup, self, 0x474F53L, incarnation));
    this.codecRng = PeerTraining.codecRng(setup, self, incarnation);
    save(); // this start counts: a later restart draws streams of its own
    ports.network().bind(ctx.messageAdapter(Inbound.class, PeerCommand.Delivered::new));
  }

  @Override
  public Receive<PeerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(PeerCommand.Delivered.class, this::onDelivered)
        .onMessage(PeerCommand.Start.class, m -> {
          if (ticks < rounds) {
            startTicking();
          }
          return this;
        })
        .onMessage(PeerCommand.Leave.class, m -> this)
        .onMessage(PeerCommand.TrainingDone.class, this::onTrainingDone)
        .onMessage(PeerCommand.Timer.class, this::onTick)
        .build();
  }

  /** Periods start at a random phase so that nodes do not all send at once. */
  private void startTicking() {
    long phase = (long) (rng.nextDouble() * period.toNanos());
    timers.startSingleTimer(new Tick(), new PeerCommand.Timer(new Tick()), Duration.ofNanos(Math.max(1, phase)));
  }

  private Behavior<PeerCommand> onTick(PeerCommand.Timer t) {
    if (ticks >= rounds) {
      return this;
    }
    ticks++;
    setup.listener().roundDone(self, ticks, model, lastLoss);
    int to = rng.nextInt(setup.nodes() - 1);
    to = to >= self ? to + 1 : to;
    var msg = PeerModel.newBuilder().setKind(PeerModelKind.GOSSIP).setRound(ticks)
        .setModel(setup.codec().encode(model, codecRng)).setAge(age).build();
    ports.network().send(to, Envelope.newBuilder().setPeerModel(msg));
    save();
    if (ticks < rounds) {
      timers.startSingleTimer(new Tick(), new PeerCommand.Timer(new Tick()), period);
    }
    return this;
  }

  /** The durable part: ticks done, the model and its age, and how often it has started. */
  private void save() {
    long done = ticks;
    long a = age;
    float[] m = model; // replaced, never written in place
    ports.storage().save(() -> PeerCheckpoint.newBuilder().setVersion(1).setIncarnation(incarnation).setRound(done)
        .setModel(Tensors.fp32(m)).setAge(a).build());
  }

  private Behavior<PeerCommand> onDelivered(PeerCommand.Delivered d) {
    int from = d.inbound().from();
    Envelope env = d.inbound().envelope();
    try {
      if (env.getBodyCase() != Envelope.BodyCase.PEER_MODEL || env.getPeerModel().getKind() != PeerModelKind.GOSSIP) {
        throw new InvalidMessageException("unexpected " + env.getBodyCase() + " (expected a GOSSIP model)");
      }
      PeerModel m = env.getPeerModel();
      if (Long.compareUnsigned(m.getAge(), Long.MAX_VALUE / 4) > 0) { // unsigned on the wire: 2^64-1 is not -1
        throw new InvalidMessageException("age " + Long.toUnsignedString(m.getAge()) + " out of range");
      }
      Incoming in = new Incoming(Tensors.decode(m.getModel(), setup.initial().length), m.getAge());
      if (training) {
        pending = in;
      } else {
        mergeAndTrain(in);
      }
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "peer {} dropped a message from {}: {}", self, from, e.getMessage());
    }
    return this;
  }

  private void mergeAndTrain(Incoming in) {
    long sum = age + in.age();
    float wOwn = sum == 0 ? 0.5f : (float) ((double) age / sum);
    float wIn = 1 - wOwn;
    float[] merged = new float[model.length];
    for (int i = 0; i < merged.length; i++) {
      merged[i] = wOwn * model[i] + wIn * in.params()[i];
    }
    model = merged;
    age = Math.max(age, in.age());
    training = true;
    PeerTraining.submit(ports, setup, getContext().getSelf(), model, age, 0);
  }

  private Behavior<PeerCommand> onTrainingDone(PeerCommand.TrainingDone d) {
    if (!training) {
      return this;
    }
    training = false;
    if (d.failure() != null) {
      throw new IllegalStateException("peer " + self + " failed to train", d.failure());
    }
    if (PeerTraining.finite(d.result().params(), d.result().meanLoss())) {
      model = d.result().params();
      age += d.result().processed();
      lastLoss = d.result().meanLoss();
    }
    if (pending != null) {
      Incoming p = pending;
      pending = null;
      mergeAndTrain(p);
    }
    return this;
  }
}
