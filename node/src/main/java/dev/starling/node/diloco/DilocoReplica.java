package dev.starling.node.diloco;

import dev.starling.node.data.Dataset;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.StepTrainer;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Codec;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.OuterAverage;
import dev.starling.node.wire.proto.OuterGradient;
import dev.starling.node.wire.proto.OuterState;
import dev.starling.node.wire.proto.OuterStateRequest;
import dev.starling.node.wire.proto.ReplicaCheckpoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A (Streaming) DiLoCo replica (Douillard et al. 2023, 2025): inner AdamW steps on its own shard
 * with optimizer state that is never reset; at each scheduled step it sends the outer gradient
 * (global - local) of one fragment, encoded with the codec; {@code tau} steps later it applies the
 * reducer's average with outer Nesterov to its saved copy of the global parameters and merges the
 * fragment into its local parameters with weight {@code alpha}. Training runs in compute jobs
 * that stop exactly at the next send or apply step.
 *
 * <p>A replica blocked on an average sends its gradient again after two {@code syncTimeout}s and
 * after three (a restarted reducer lost what it was collecting; the reducer itself waits one for
 * the slowest replica), and fails after four with one line saying the reducer is gone or stalled,
 * rather than waiting for the run's timeout.
 *
 * <p>Durable state ({@link ReplicaCheckpoint}): that it started before. A restarted replica asks
 * the reducer for the outer state, takes each fragment's outer parameters and momentum (the same
 * bits the others hold) as its own and as its local model, and rejoins at the step after the last
 * completed sync, with a fresh inner optimizer.
 */
public final class DilocoReplica extends AbstractBehavior<DilocoReplica.Command> {

  /** What a replica reacts to. */
  public sealed interface Command permits Start, Delivered, StepsDone, AverageTimeout, StateTimeout {}

  /** Begin training. */
  public record Start() implements Command {}

  /** A network message. */
  public record Delivered(Inbound inbound) implements Command {}

  /** The {@code tick}-th sync timeout while blocked on the average of {@code fragment}'s sync {@code sync}. */
  private record AverageTimeout(int fragment, long sync, int tick) implements Command {}

  /** The {@code tick}-th sync timeout while waiting for the reducer's outer state to rejoin. */
  private record StateTimeout(int tick) implements Command {}

  private record StepsDone(long upTo, double loss, Throwable failure) implements Command {}

  /** What a replica needs. */
  public record Setup(
      int reducer, DilocoSchedule schedule, long totalSteps, int batchSize, float outerLr, float outerMomentum,
      Model model, float[] initialParams, Dataset data, int[] indices, Codec codec, long seed, DilocoListener listener,
      double flopsPerSample, java.time.Duration syncTimeout) {}

  private record InFlight(long sync, long applyAt, OuterGradient sent) {}

  private final NodePorts ports;
  private final Setup s;
  private final float[] global;
  private final float[] momentum;
  private final int n;
  private final int[][] fragIdx;
  private final long[] syncs;
  private final Map<Integer, InFlight> inflight = new TreeMap<>();
  private final Map<Integer, Map<Long, float[]>> arrived = new HashMap<>();
  private final TimerScheduler<Command> timers;
  private long t;
  private boolean training;
  private boolean done;
  private double lossSum;
  private long lossSteps;
  /** While rejoining after a restart: the reducer's state per fragment as it arrives. */
  private OuterState[] rejoin;
  /** Their decoded parameters and momentum, by fragment. */
  private float[][] rejoinParams;
  private float[][] rejoinMomentum;

  public static Behavior<Command> create(NodePorts ports, Setup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new DilocoReplica(ctx, timers, ports, setup)));
  }

  private DilocoReplica(ActorContext<Command> ctx, TimerScheduler<Command> timers, NodePorts ports, Setup setup) {
    super(ctx);
    this.timers = timers;
    this.ports = ports;
    this.s = setup;
    this.n = setup.initialParams().length;
    this.global = setup.initialParams().clone();
    this.momentum = new float[n];
    int p = setup.schedule().fragments();
    this.fragIdx = new int[p][];
    for (int f = 0; f < p; f++) {
      fragIdx[f] = setup.schedule().indices(f, n);
    }
    this.syncs = new long[p];
    setup.model().setParams(global);
    setup.model().resetOptimizer();
    var cp = ports.storage().load(ReplicaCheckpoint.parser());
    long incarnation = cp.map(c -> c.getIncarnation() + 1).orElse(0L);
    ports.storage().save(() -> ReplicaCheckpoint.newBuilder().setVersion(1).setIncarnation(incarnation).build());
    if (cp.isPresent()) {
      this.rejoin = new OuterState[p];
      this.rejoinParams = new float[p][];
      this.rejoinMomentum = new float[p][];
    }
    ports.network().bind(ctx.messageAdapter(Inbound.class, Delivered::new));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, m -> rejoin == null ? advance() : askState(1))
        .onMessage(StepsDone.class, this::onSteps)
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(AverageTimeout.class, this::onAverageTimeout)
        .onMessage(StateTimeout.class, t -> {
          if (rejoin == null) {
            return this;
          }
          if (t.tick() >= 4) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "replica %d, restarted, got no outer"
                + " state from the reducer (node %d) within %.0f s (4 x diloco.sync-timeout-s): the reducer is gone or"
                + " stalled", ports.id(), s.reducer(), s.syncTimeout().multipliedBy(4).toMillis() / 1000.0));
          }
          return askState(t.tick() + 1);
        })
        .build();
  }

  /** Trains up to the next step where something happens, unless blocked or finished. */
  private Behavior<Command> advance() {
    if (training || done) {
      return this;
    }
    if (t >= s.totalSteps()) {
      // No more steps: whatever is in flight is applied as soon as its average arrives.
      inflight.replaceAll((p, f) -> new InFlight(f.sync(), Math.min(f.applyAt(), t), f.sent()));
      applyDue();
      if (inflight.isEmpty()) {
        finish();
      } else {
        awaitAverage();
      }
      return this;
    }
    // Blocked: an apply is due now and its average has not arrived.
    for (Map.Entry<Integer, InFlight> e : inflight.entrySet()) {
      if (e.getValue().applyAt() <= t) {
        awaitAverage();
        return this;
      }
    }
    long period = s.schedule().period();
    long next = Math.min(s.totalSteps(), (t / period + 1) * period);
    for (InFlight f : inflight.values()) {
      next = Math.min(next, f.applyAt());
    }
    long from = t + 1;
    int count = (int) (next - t);
    long upTo = next;
    training = true;
    var self = getContext().getSelf();
    long seed = Seeds.derive(s.seed(), ports.id());
    ports.compute().submit(count * (double) s.batchSize() * s.flopsPerSample(),
        () -> StepTrainer.run(s.model(), s.data(), s.indices(), s.batchSize(), seed, from, count),
        (loss, err) -> self.tell(new StepsDone(upTo, loss == null ? 0 : loss, err)));
    return this;
  }

  private Behavior<Command> onSteps(StepsDone d) {
    training = false;
    if (d.failure() != null) {
      throw new IllegalStateException("replica " + ports.id() + " failed to train", d.failure());
    }
    lossSum += d.loss() * (d.upTo() - t);
    lossSteps += d.upTo() - t;
    t = d.upTo();
    int p = s.schedule().fragmentSentAt(t);
    if (p >= 0) {
      send(p);
    }
    applyDue();
    return advance();
  }

  private void send(int p) {
    float[] local = s.model().params();
    float[] delta = new float[fragIdx[p].length];
    for (int j = 0; j < delta.length; j++) {
      int i = fragIdx[p][j];
      delta[j] = global[i] - local[i];
    }
    long sync = ++syncs[p];
    var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.derive(s.seed(), ports.id(), p, sync));
    OuterGradient g = OuterGradient.newBuilder().setFragment(p).setSync(sync).setDelta(s.codec().encode(delta, rng))
        .setTrainLoss((float) (lossSteps == 0 ? 0 : lossSum / lossSteps)).build();
    lossSum = 0;
    lossSteps = 0;
    ports.network().send(s.reducer(), Envelope.newBuilder().setOuterGradient(g));
    long applyAt = t >= s.totalSteps() ? t : t + s.schedule().overlap();
    inflight.put(p, new InFlight(sync, applyAt, g));
  }

  /** Asks the reducer for the outer state (again on each sync timeout, up to four). */
  private Behavior<Command> askState(int tick) {
    if (tick == 1) {
      getContext().getLog().info("replica {} restarted: asking the reducer (node {}) for the outer state", ports.id(),
          s.reducer());
    }
    ports.network().send(s.reducer(), Envelope.newBuilder().setOuterStateRequest(OuterStateRequest.getDefaultInstance()));
    timers.startSingleTimer("state", new StateTimeout(tick), s.syncTimeout());
    return this;
  }

  private Behavior<Command> onState(int from, OuterState st) {
    int p = st.getFragment();
    if (rejoin == null || Integer.compareUnsigned(p, fragIdx.length) >= 0
        || Long.compareUnsigned(st.getSync(), s.totalSteps() / s.schedule().innerSteps()) > 0) {
      ports.network().rejected(from, "replica {} dropped an outer state for fragment {} sync {}{}", ports.id(),
          Integer.toUnsignedString(p), Long.toUnsignedString(st.getSync()), rejoin == null ? " (not rejoining)" : "");
      return this;
    }
    float[] params;
    float[] mom;
    try {
      params = Tensors.decode(st.getParams(), fragIdx[p].length);
      mom = Tensors.decode(st.getMomentum(), fragIdx[p].length);
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "replica {} dropped an outer state: {}", ports.id(), e.getMessage());
      return this;
    }
    rejoin[p] = st;
    rejoinParams[p] = params;
    rejoinMomentum[p] = mom;
    for (OuterState have : rejoin) {
      if (have == null) {
        return this;
      }
    }
    // Every fragment's state is here. Completed syncs are a prefix of the send order (at most one
    // fragment is in flight, and a replica blocks on it before the next send): k sends in all.
    int fragments = fragIdx.length;
    long k = 0;
    for (OuterState have : rejoin) {
      k += have.getSync();
    }
    for (int f = 0; f < fragments; f++) {
      long expected = k > f ? (k - 1 - f) / fragments + 1 : 0;
      if (rejoin[f].getSync() != expected) {
        throw new IllegalStateException("replica " + ports.id() + " got an outer state whose syncs " + java.util.Arrays
            .stream(rejoin).map(o -> Long.toString(o.getSync())).toList() + " are not a prefix of the schedule");
      }
    }
    for (int f = 0; f < fragments; f++) {
      for (int j = 0; j < fragIdx[f].length; j++) {
        global[fragIdx[f][j]] = rejoinParams[f][j];
        momentum[fragIdx[f][j]] = rejoinMomentum[f][j];
      }
      syncs[f] = rejoin[f].getSync();
    }
    t = k == 0 ? 0 : Math.min(k * s.schedule().period() + s.schedule().overlap(), s.totalSteps());
    s.model().setParams(global);
    s.model().resetOptimizer();
    inflight.clear();
    arrived.clear();
    rejoin = null;
    rejoinParams = null;
    rejoinMomentum = null;
    timers.cancel("state");
    s.listener().replicaRejoined(ports.id(), t, syncs.clone());
    return advance();
  }

  private Behavior<Command> onDelivered(Delivered d) {
    Envelope env = d.inbound().envelope();
    if (env.getBodyCase() == Envelope.BodyCase.OUTER_STATE && d.inbound().from() == s.reducer()) {
      return onState(d.inbound().from(), env.getOuterState());
    }
    if (rejoin != null) {
      ports.network().rejected(d.inbound().from(), "replica {} dropped {} from {}: rejoining", ports.id(), env.getBodyCase(),
          d.inbound().from());
      return this;
    }
    if (env.getBodyCase() != Envelope.BodyCase.OUTER_AVERAGE || d.inbound().from() != s.reducer()) {
      ports.network().rejected(d.inbound().from(), "replica {} dropped {} from {}", ports.id(), env.getBodyCase(), d.inbound().from());
      return this;
    }
    OuterAverage a = env.getOuterAverage();
    int p = a.getFragment();
    if (Integer.compareUnsigned(p, fragIdx.length) >= 0) { // unsigned on the wire: 2^32-1 is not -1
      ports.network().rejected(d.inbound().from(), "replica {} dropped an average for unknown fragment {}", ports.id(),
          Integer.toUnsignedString(p));
      return this;
    }
    InFlight f = inflight.get(p);
    if (f == null || f.sync() != a.getSync()) {
      // Only the average of the sync in flight can come: the reducer needs this replica's gradient first.
      ports.network().rejected(d.inbound().from(), "replica {} dropped an average for fragment {} sync {}, which is not in flight", ports.id(),
          p, Long.toUnsignedString(a.getSync()));
      return this;
    }
    float[] avg;
    try {
      avg = Tensors.decode(a.getAverage(), fragIdx[p].length);
    } catch (InvalidMessageException e) {
      ports.network().rejected(d.inbound().from(), "replica {} dropped an average: {}", ports.id(), e.getMessage());
      return this;
    }
    arrived.computeIfAbsent(p, k -> new HashMap<>()).put(a.getSync(), avg);
    applyDue();
    return advance();
  }

  /** Starts the bounded wait for the first due average (one wait at a time; an apply ends it). */
  private void awaitAverage() {
    if (timers.isTimerActive("average")) {
      return;
    }
    for (Map.Entry<Integer, InFlight> e : inflight.entrySet()) {
      if (e.getValue().applyAt() <= t) {
        timers.startSingleTimer("average", new AverageTimeout(e.getKey(), e.getValue().sync(), 1), s.syncTimeout());
        return;
      }
    }
  }

  private Behavior<Command> onAverageTimeout(AverageTimeout a) {
    InFlight f = inflight.get(a.fragment());
    if (f == null || f.sync() != a.sync()) {
      awaitAverage(); // that one came; wait for the next one due, if any
      return this;
    }
    if (a.tick() >= 4) {
      throw new IllegalStateException(String.format(java.util.Locale.ROOT,
          "replica %d got no average for fragment %d sync %d from the reducer (node %d) within %.0f s"
              + " (4 x diloco.sync-timeout-s): the reducer is gone or stalled, and DiLoCo cannot go on without it",
          ports.id(), a.fragment(), a.sync(), s.reducer(), s.syncTimeout().multipliedBy(4).toMillis() / 1000.0));
    }
    if (a.tick() >= 2) { // a restarted reducer lost it; a live one takes the same gradient again
      ports.network().send(s.reducer(), Envelope.newBuilder().setOuterGradient(f.sent()));
    }
    timers.startSingleTimer("average", new AverageTimeout(a.fragment(), a.sync(), a.tick() + 1), s.syncTimeout());
    return this;
  }

  /** Applies every in-flight fragment whose step has come and whose average is here. */
  private void applyDue() {
    var it = inflight.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      int p = e.getKey();
      InFlight f = e.getValue();
      if (f.applyAt() > t) {
        continue;
      }
      float[] avg = arrived.getOrDefault(p, Map.of()).get(f.sync());
      if (avg == null) {
        continue;
      }
      arrived.get(p).remove(f.sync());
      it.remove();
      timers.cancel("average");
      apply(p, f.sync(), avg);
    }
  }

  private void apply(int p, long sync, float[] avg) {
    int[] idx = fragIdx[p];
    OuterNesterov.step(global, momentum, idx, avg, s.outerLr(), s.outerMomentum());
    float[] local = s.model().params();
    float alpha = (float) s.schedule().mix();
    for (int i : idx) {
      local[i] = alpha * local[i] + (1 - alpha) * global[i];
    }
    s.model().setParams(local);
    s.listener().replicaApplied(ports.id(), p, sync, sha(global));
    if (t >= s.totalSteps() && inflight.isEmpty()) {
      finish();
    }
  }

  private void finish() {
    if (!done) {
      done = true;
      s.listener().replicaFinished(ports.id());
    }
  }

  static String sha(float[] v) {
    try {
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
