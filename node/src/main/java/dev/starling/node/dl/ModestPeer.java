package dev.starling.node.dl;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Advertise;
import dev.starling.node.wire.proto.AggAck;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.PeerCheckpoint;
import dev.starling.node.wire.proto.PeerModel;
import dev.starling.node.wire.proto.PeerModelKind;
import dev.starling.node.wire.proto.Ping;
import dev.starling.node.wire.proto.Pong;
import dev.starling.sampling.modest.SampleDerivation;
import dev.starling.sampling.modest.View;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A MoDeST peer (modest.md section 1): a trainer and an aggregator sub-state machine over a
 * mostly-consistent view of the population, with no server and no global clock.
 *
 * <p>Round k's sample trains the aggregated model of round k and sends it to the first live
 * node(s) of the order for index k + 1; an aggregator waits for {@code floor(s * sf)} models (or
 * its timeout, with at least {@code minModels}), averages them and pushes the result to the
 * first {@code s} live nodes of order(k + 1), which starts round k + 1. Liveness is probed with
 * pings (re-sent every {@code pingInterval}, dead after {@code pingTimeout}); a dead candidate is
 * replaced by the next node in hash order.
 *
 * <p>Beyond the original code: an aggregation timeout with a minimum model count (the original
 * stalls forever with sf = 1), and recovery from a silently crashed aggregator: a trainer that
 * gets no {@link AggAck} within {@code ackTimeout} re-forwards its model to the next live node in
 * hash order (the original only recovers when the aggregator leaves through its own code path).
 *
 * <p>Membership (the view, JOIN and LEAVE, suspicion and refutation) is {@link Membership}'s, the
 * liveness probe {@link LivenessProbe}'s. Durable state: its view, its membership index, its round
 * estimate and the last round it saw completed, saved whenever one of the last three changes; a
 * restarted peer continues from them and advertises a JOIN (open aggregations, a model in
 * training or waiting for an acknowledgement, probes and timers are lost in the crash).
 */
public final class ModestPeer extends AbstractBehavior<PeerCommand> {

  /** Protocol settings; defaults follow the later code (C2) where the paper is silent. */
  public record Params(
      int sampleSize, int aggregators, double successFraction, Duration pingInterval, Duration pingTimeout,
      long inactivityThreshold, Duration aggregationTimeout, int minModels, Duration ackTimeout, int advertiseFanout) {
    public Params {
      if (sampleSize < 1 || aggregators < 1 || !(successFraction > 0 && successFraction <= 1) || minModels < 1) {
        throw new IllegalArgumentException("invalid MoDeST params: s " + sampleSize + ", a " + aggregators + ", sf "
            + successFraction + ", min models " + minModels);
      }
    }

    /** Models an aggregator waits for: floor(s * sf), at least 1. */
    public int threshold() {
      return Math.max(1, (int) Math.floor(sampleSize * successFraction + 1e-9));
    }
  }

  private enum Purpose { AGGREGATORS, PARTICIPANTS }

  /** An open aggregation of the trained models for one sample index. */
  private static final class Aggregation {
    final TreeMap<Integer, float[]> models = new TreeMap<>();
    double lossSum;
  }

  /** A trainer's trained model of round k, until an aggregator acknowledges it. */
  private static final class Forward {
    final long round;
    final float[] trained;
    final double loss;
    final Set<Integer> tried = new TreeSet<>();
    boolean probing;

    Forward(long round, float[] trained, double loss) {
      this.round = round;
      this.trained = trained;
      this.loss = loss;
    }
  }

  private record AggTimeout(long index) {}

  private record AckTimeout(long round) {}

  private final NodePorts ports;
  private final PeerSetup setup;
  private final Params params;
  private final TimerScheduler<PeerCommand> timers;
  private final int self;
  private final int numParams;
  private final SplittableRandom rng;
  private final org.apache.commons.rng.UniformRandomProvider codecRng;

  private final Membership membership;
  /** The view every initial peer starts from: what views are sent as changes against. */
  private final View initialView;
  private final long incarnation;
  private final boolean restored;

  // trainer
  private long trainEst;
  private long training = -1;
  private boolean completedTraining;
  private float[] model;
  private Forward forward;

  // aggregator
  private final TreeMap<Long, Aggregation> aggregations = new TreeMap<>();
  private long maxCompleted;

  private final LivenessProbe liveness;

  /** @param initialView the view of a first start (a restart reads its own from storage) */
  public static Behavior<PeerCommand> create(NodePorts ports, PeerSetup setup, Params params, View initialView) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new ModestPeer(ctx, timers, ports, setup, params, initialView)));
  }

  private ModestPeer(ActorContext<PeerCommand> ctx, TimerScheduler<PeerCommand> timers, NodePorts ports, PeerSetup setup,
      Params params, View initialView) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    this.params = params;
    this.timers = timers;
    this.self = ports.id();
    this.numParams = setup.initial().length;
    this.initialView = initialView;
    var saved = PeerTraining.restore(ports);
    this.restored = saved.isPresent();
    if (restored) {
      PeerCheckpoint cp = saved.get();
      if (cp.getMembership() < 1 || cp.getMembership() >= Membership.MAX_INDEX) {
        throw new InvalidMessageException("peer " + self + " checkpoint membership index " + cp.getMembership());
      }
      this.incarnation = cp.getIncarnation() + 1;
      this.membership = new Membership(self, PeerViews.decode(cp.getView(), setup.nodes()), cp.getMembership());
      this.trainEst = cp.getRound();
      this.maxCompleted = cp.getMaxCompleted();
    } else {
      this.incarnation = 0;
      this.membership = new Membership(self, initialView, 1);
    }
    this.rng = new SplittableRandom(PeerTraining.stream(setup, self, 0x4D6F44655354L, incarnation));
    this.codecRng = PeerTraining.codecRng(setup, self, incarnation);
    this.liveness = new LivenessProbe(self, ports.clock(), timers, params.pingInterval(), params.pingTimeout(),
        new LivenessProbe.Host() {
          @Override
          public HashOrder order(long k, Set<Integer> excluded) {
            return ModestPeer.this.order(k, excluded);
          }

          @Override
          public void ping(int node, long nonce) {
            ModestPeer.this.ping(node, nonce);
          }

          @Override
          public void dead(int node) {
            membership.declareDead(node);
          }
        });
    save(); // this start counts: a later restart draws streams of its own
    ports.network().bind(ctx.messageAdapter(Inbound.class, PeerCommand.Delivered::new));
  }

  @Override
  public Receive<PeerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(PeerCommand.Delivered.class, this::onDelivered)
        .onMessage(PeerCommand.Start.class, m -> onStart())
        .onMessage(PeerCommand.Leave.class, m -> onLeave())
        .onMessage(PeerCommand.TrainingDone.class, this::onTrainingDone)
        .onMessage(PeerCommand.Timer.class, this::onTimer)
        .build();
  }

  // ---------------------------------------------------------------- helpers

  private long roundEstimate() {
    long est = Math.max(trainEst, membership.maxActive());
    if (!aggregations.isEmpty()) {
      est = Math.max(est, aggregations.lastKey());
    }
    return Math.max(est, maxCompleted);
  }

  /**
   * The hash order of index k among this peer's candidates less {@code excluded}, read lazily
   * from the shared ranking: the view is immutable, so the order is that of the view now.
   */
  private HashOrder order(long k, Set<Integer> excluded) {
    IntPredicate active = membership.candidatePredicate(k, params.inactivityThreshold());
    Set<Integer> ex = excluded.isEmpty() ? Set.of() : Set.copyOf(excluded);
    return new HashOrder(SampleDerivation.ranking(k, setup.nodes()),
        ex.isEmpty() ? active : id -> active.test(id) && !ex.contains(id));
  }

  private void send(int to, Envelope.Builder env) {
    ports.network().send(to, env);
  }

  private void ping(int j, long nonce) {
    send(j, Envelope.newBuilder().setPing(Ping.newBuilder().setRound(roundEstimate()).setMembership(membership.currentIndex())
        .setNonce(nonce)));
  }

  /** The durable part: the view, membership index, round estimate and last completed round. */
  private void save() {
    View v = membership.view(); // immutable: the simulator keeps it without encoding it now
    long next = membership.nextIndex();
    long est = trainEst;
    long completed = maxCompleted;
    ports.storage().save(() -> PeerCheckpoint.newBuilder().setVersion(1).setIncarnation(incarnation).setRound(est)
        .setMaxCompleted(completed).setMembership(next).setView(PeerViews.encode(v)).build());
  }

  /** A model message's body without its view: the tensor is encoded once for every receiver. */
  private PeerModel.Builder modelBody(PeerModelKind kind, long round, float[] params, double loss) {
    var tensor = setup.codec().encode(params, codecRng);
    return PeerModel.newBuilder().setKind(kind).setRound(round).setModel(tensor).setTrainLoss((float) loss);
  }

  /** Sends a model with the part of this peer's view the receiver lacks. */
  private void sendModel(int to, PeerModel.Builder body) {
    send(to, Envelope.newBuilder().setPeerModel(body.clone().setView(PeerViews.encode(viewFor(to)))));
  }

  /** Rounds after which a peer is sent the whole view again, whatever it was sent since. */
  static final long FULL_VIEW_EVERY = 10;
  /** Peers whose last sent view this peer remembers (the least recently sent to are forgotten). */
  static final int SENT_VIEWS = 64;

  /** The view last sent to a peer and the round of the last whole one. */
  private record Sent(View view, long fullRound) {}

  private final java.util.LinkedHashMap<Integer, Sent> sentViews = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Integer, Sent> eldest) {
      return size() > SENT_VIEWS;
    }
  };

  /**
   * What of the view to send {@code to}. To a peer it sent to lately: the entries changed since
   * the view it sent then (views merge as a join, so the receiver then holds what the whole view
   * would give it). Otherwise (a peer not sent to lately, every {@value #FULL_VIEW_EVERY} rounds,
   * and after the peer advertised a JOIN or LEAVE, as it may have restarted from an older
   * checkpoint): the entries changed since the initial view every peer starts from, less those
   * whose only change is a last-active round too old to make them candidates of any later
   * sample. Every model message carried the whole view before: 96 % of the bytes at 20,000
   * nodes, 290 KB per message at 100,000.
   */
  private View viewFor(int to) {
    View now = membership.view();
    long round = roundEstimate();
    Sent last = sentViews.get(to);
    boolean full = last == null || round - last.fullRound() >= FULL_VIEW_EVERY;
    sentViews.put(to, new Sent(now, full ? round : last.fullRound()));
    return full ? now.changedSince(initialView, round - params.inactivityThreshold())
        : now.changedSince(last.view(), Long.MIN_VALUE);
  }

  // ---------------------------------------------------------------- lifecycle

  private Behavior<PeerCommand> onStart() {
    if (restored || membership.selfLeft()) {
      advertise(false); // back after a crash, or joining after the start: JOIN
      return this;
    }
    HashOrder first = order(1, Set.of());
    for (int i = 0; i < params.sampleSize() && first.has(i); i++) {
      if (first.get(i) == self) {
        onAggregatedModel(self, 1, setup.initial());
      }
    }
    return this;
  }

  /** A graceful leave: advertise it; the runtime stops the node next. */
  private Behavior<PeerCommand> onLeave() {
    advertise(true);
    return this;
  }

  /** Section 1.7: JOIN to 10 s random peers of the whole view, LEAVE to 10 s random active peers. */
  private void advertise(boolean leave) {
    long round = roundEstimate();
    long idx = membership.nextIndex();
    int fanout = params.advertiseFanout() > 0 ? params.advertiseFanout() : 10 * params.sampleSize();
    membership.advertise(leave, round, params.inactivityThreshold(), fanout, rng, to -> send(to,
        Envelope.newBuilder().setAdvertise(Advertise.newBuilder().setRound(round).setMembership(idx).setLeave(leave))));
    save();
  }

  // ---------------------------------------------------------------- network

  private Behavior<PeerCommand> onDelivered(PeerCommand.Delivered d) {
    int from = d.inbound().from();
    Envelope env = d.inbound().envelope();
    if (from < 0 || from >= setup.nodes()) {
      ports.network().rejected(from, "peer {} dropped a message from unknown node {}", self, from);
      return this;
    }
    try {
      switch (env.getBodyCase()) {
        case PEER_MODEL -> onModel(from, env.getPeerModel());
        case PING -> onPing(from, env.getPing());
        case PONG -> onPong(from, env.getPong());
        case ADVERTISE -> onAdvertise(from, env.getAdvertise());
        case AGG_ACK -> onAggAck(from, env.getAggAck());
        default -> ports.network().rejected(from, "peer {} dropped unexpected {} from {}", self, env.getBodyCase(), from);
      }
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "peer {} dropped a message from {}: {}", self, from, e.getMessage());
    }
    return this;
  }

  private void onModel(int from, PeerModel m) {
    long idx = m.getRound();
    if (idx < 1 || idx > Integer.MAX_VALUE - 2) {
      throw new InvalidMessageException("model round " + idx + " out of range (1.." + (Integer.MAX_VALUE - 2) + ")");
    }
    // Validate everything before any of it is used.
    float[] params = Tensors.decode(m.getModel(), numParams);
    View theirs = PeerViews.decode(m.getView(), setup.nodes());
    membership.merge(theirs);
    if (membership.refuteIfSuspected(roundEstimate())) {
      save();
    }
    membership.provenAlive(from, -1);
    membership.seen(from, Math.max(idx, roundEstimate()));
    switch (m.getKind()) {
      case TRAINED -> onTrainedModel(from, idx, params, finiteLoss(m.getTrainLoss()));
      case AGGREGATED -> onAggregatedModel(from, idx, params);
      default -> throw new InvalidMessageException("model kind " + m.getKind() + " is not a MoDeST model");
    }
  }

  private static double finiteLoss(float loss) {
    if (!Float.isFinite(loss) || loss < 0) {
      throw new InvalidMessageException("train_loss " + loss + " (must be finite and >= 0)");
    }
    return loss;
  }

  private void onPing(int from, Ping p) {
    membership.touch(from, p.getRound(), p.getMembership(), roundEstimate());
    send(from, Envelope.newBuilder().setPong(Pong.newBuilder().setRound(roundEstimate())
        .setMembership(membership.currentIndex()).setNonce(p.getNonce())));
  }

  private void onPong(int from, Pong p) {
    membership.touch(from, p.getRound(), p.getMembership(), roundEstimate());
    liveness.pong(from, p.getNonce());
  }

  private void onAdvertise(int from, Advertise a) {
    sentViews.remove(from); // it joined (perhaps restarted) or left: send it the whole view next time
    membership.onAdvertise(from, a, roundEstimate());
  }

  // ---------------------------------------------------------------- trainer

  private void onAggregatedModel(int from, long k, float[] m) {
    if (k > trainEst) {
      trainEst = k;
      save();
      training = -1; // a stale result will be dropped
      completedTraining = false;
      if (forward != null && forward.round < k) {
        timers.cancel(new AckTimeout(forward.round));
        forward = null; // the chain has moved on without it
      }
    }
    if (k == trainEst && training < 0 && !completedTraining && (forward == null || forward.round != k)) {
      model = m;
      training = k;
      PeerTraining.submit(ports, setup, getContext().getSelf(), m, k, 0);
    }
  }

  private Behavior<PeerCommand> onTrainingDone(PeerCommand.TrainingDone d) {
    if (d.round() != training || d.round() != trainEst) {
      return this; // superseded or abandoned
    }
    training = -1;
    model = null;
    if (d.failure() != null) {
      throw new IllegalStateException("peer " + self + " failed to train round " + d.round(), d.failure());
    }
    if (!PeerTraining.finite(d.result().params(), d.result().meanLoss())) {
      getContext().getLog().warn("peer {} dropped its round {} model: training diverged (non-finite values)", self, d.round());
      return this;
    }
    forward = new Forward(d.round(), d.result().params(), d.result().meanLoss());
    sendForward();
    return this;
  }

  /** Sends the trained model to the next a live aggregators of index k + 1 not yet tried. */
  private void sendForward() {
    Forward f = forward;
    f.probing = true;
    liveness.findAvailable(f.round + 1, params.aggregators(), f.tried, found -> {
      if (forward != f) {
        return;
      }
      f.probing = false;
      if (found.isEmpty()) {
        f.tried.clear(); // everyone looked dead: try the whole order again after the ack timeout
      }
      List<Integer> targets = new ArrayList<>(found);
      shuffle(targets);
      PeerModel.Builder msg = null;
      for (int agg : targets) {
        f.tried.add(agg);
        if (agg == self) {
          onTrainedModel(self, f.round + 1, f.trained, f.loss);
        } else {
          msg = msg != null ? msg : modelBody(PeerModelKind.TRAINED, f.round + 1, f.trained, f.loss);
          sendModel(agg, msg);
        }
      }
      membership.flushPendingJoins();
      if (forward == f) {
        timers.startSingleTimer(new AckTimeout(f.round), new PeerCommand.Timer(new AckTimeout(f.round)),
            params.ackTimeout());
      }
    });
  }

  private void onAggAck(int from, AggAck ack) {
    acknowledged(from, ack.getRound(), ack.getSuccess());
  }

  private void acknowledged(int from, long round, boolean success) {
    if (forward == null || forward.round != round) {
      return;
    }
    if (success) {
      timers.cancel(new AckTimeout(round));
      forward = null;
      completedTraining = true;
    } else {
      membership.markUnavailable(from);
      if (!forward.probing) {
        timers.cancel(new AckTimeout(round));
        sendForward();
      }
    }
  }

  // ---------------------------------------------------------------- aggregator

  private void onTrainedModel(int from, long idx, float[] m, double loss) {
    if (idx <= maxCompleted) {
      ack(from, idx - 1); // the round has moved on: the trainer can stop re-forwarding
      return;
    }
    Aggregation agg = aggregations.get(idx);
    if (agg == null) {
      agg = new Aggregation();
      aggregations.put(idx, agg);
      timers.startSingleTimer(new AggTimeout(idx), new PeerCommand.Timer(new AggTimeout(idx)),
          params.aggregationTimeout());
    }
    if (agg.models.putIfAbsent(from, m) == null) {
      agg.lossSum += loss;
    }
    if (agg.models.size() >= params.threshold()) {
      complete(idx, false);
    }
  }

  private void complete(long idx, boolean timedOut) {
    Aggregation agg = aggregations.remove(idx);
    timers.cancel(new AggTimeout(idx));
    maxCompleted = Math.max(maxCompleted, idx);
    save();
    // Older open aggregations are stale now; their trainers need not re-forward.
    for (var it = aggregations.headMap(idx).entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      timers.cancel(new AggTimeout(e.getKey()));
      for (int contributor : e.getValue().models.keySet()) {
        ack(contributor, e.getKey() - 1);
      }
      it.remove();
    }
    float[] avg = PeerTraining.mean(agg.models.values(), agg.models.size());
    List<Integer> contributors = List.copyOf(agg.models.keySet());
    liveness.findAvailable(idx, params.sampleSize(), Set.of(), participants -> {
      List<Integer> targets = new ArrayList<>(participants);
      shuffle(targets);
      setup.listener().aggregated(new PeerListener.AggregationRecord(idx - 1, self, contributors,
          List.copyOf(new TreeSet<>(participants)), timedOut, agg.lossSum / contributors.size()), avg);
      if (maxCompleted > idx) {
        return; // a newer round started meanwhile
      }
      PeerModel.Builder msg = null; // the model encoded once: every participant gets the same tensor
      for (int j : targets) {
        if (j == self) {
          onAggregatedModel(self, idx, avg);
        } else {
          msg = msg != null ? msg : modelBody(PeerModelKind.AGGREGATED, idx, avg, 0);
          sendModel(j, msg);
        }
      }
      for (int contributor : contributors) {
        ack(contributor, idx - 1);
      }
      membership.flushPendingJoins();
    });
  }

  private void ack(int to, long round) {
    if (to == self) {
      acknowledged(self, round, true);
    } else {
      send(to, Envelope.newBuilder().setAggAck(AggAck.newBuilder().setRound(round).setSuccess(true)));
    }
  }

  // ---------------------------------------------------------------- timers

  private Behavior<PeerCommand> onTimer(PeerCommand.Timer t) {
    Object key = t.key();
    if (key instanceof LivenessProbe.Tick p) {
      liveness.onTick(p.probe());
    } else if (key instanceof AggTimeout a) {
      Aggregation agg = aggregations.get(a.index());
      if (agg != null && a.index() > maxCompleted) {
        if (agg.models.size() >= params.minModels()) {
          complete(a.index(), true);
        } else {
          timers.startSingleTimer(a, new PeerCommand.Timer(a), params.aggregationTimeout()); // keep waiting
        }
      }
    } else if (key instanceof AckTimeout a) {
      if (forward != null && forward.round == a.round() && !forward.probing) {
        sendForward(); // no acknowledgement: the aggregator may have crashed silently
      }
    }
    return this;
  }

  private void shuffle(List<Integer> list) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      Integer t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }
}
