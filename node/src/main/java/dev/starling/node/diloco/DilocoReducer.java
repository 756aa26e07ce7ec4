package dev.starling.node.diloco;

import dev.starling.node.data.Dataset;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.ModelPool;
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
import dev.starling.node.wire.proto.ReducerCheckpoint;
import dev.starling.node.wire.proto.Tensor;
import java.util.HashMap;
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
 * The deterministic quantized reduce of Streaming DiLoCo (diloco.md section 2.7): for each
 * (fragment, sync) it decodes every replica's outer gradient, sums them in ascending replica id,
 * divides by the number of participants, re-encodes the average exactly once and sends the same
 * bytes to every replica. It keeps its own copy of the outer parameters (applying the same outer
 * step to the same decoded bytes), evaluates it after every full round, and counts the bytes of
 * each sync.
 *
 * <p>A sync waits at most {@code syncTimeout} after its first gradient for the others. Replicas
 * still missing then are left out of it and, from then on, counted as gone: later syncs reduce as
 * soon as the remaining replicas sent, so the survivors of a dead replica go on with one line in
 * the log instead of a silent hour. A gone replica that sends a gradient counts again.
 *
 * <p>Durable state ({@link ReducerCheckpoint}): after each reduce, before its average goes out,
 * the outer parameters, momentum, completed syncs and each fragment's last average. A restarted
 * reducer continues from them: replicas send again the gradients it lost, and one that sends the
 * gradient of a sync already reduced gets that sync's average again. A restarted replica asks for
 * the outer state ({@code OuterStateRequest}) and gets each fragment's parameters and momentum.
 */
public final class DilocoReducer extends AbstractBehavior<DilocoReducer.Command> {

  /** What the reducer reacts to. */
  public sealed interface Command permits Delivered, Evaluated, SyncTimeout {}

  /** A network message. */
  public record Delivered(Inbound inbound) implements Command {}

  /** The wait for the gradients of one (fragment, sync) is over. */
  private record SyncTimeout(long key) implements Command {}

  private record Evaluated(int round, Evaluation evaluation, double trainLoss, long bytes, Throwable failure)
      implements Command {}

  /** What the reducer needs. */
  public record Setup(
      int[] replicas, DilocoSchedule schedule, long rounds, float outerLr, float outerMomentum, float[] initialParams,
      Codec codec, ModelPool models, Dataset testData, int evalEvery, long seed, DilocoListener listener,
      java.time.Duration syncTimeout) {}

  private final NodePorts ports;
  private final Setup s;
  private final float[] global;
  private final float[] momentum;
  private final int[][] fragIdx;
  private final Map<Long, Map<Integer, OuterGradient>> pending = new HashMap<>(); // key: fragment * 2^40 + sync
  private final Map<Long, Long> bytesIn = new HashMap<>();
  private final long[] completedSyncs;
  private final TimerScheduler<Command> timers;
  /** Replicas left out of a sync for sending nothing in time, and not heard from since. */
  private final java.util.SortedSet<Integer> gone = new java.util.TreeSet<>();
  private final OuterAverage[] lastAverage;
  /** When each replica was last sent the outer state (clock seconds). */
  private final Map<Integer, Double> stateSentAt = new HashMap<>();
  private int roundsReported;
  private double roundLoss;
  private long roundBytes;

  public static Behavior<Command> create(NodePorts ports, Setup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new DilocoReducer(ctx, timers, ports, setup)));
  }

  private DilocoReducer(ActorContext<Command> ctx, TimerScheduler<Command> timers, NodePorts ports, Setup setup) {
    super(ctx);
    this.timers = timers;
    this.ports = ports;
    this.s = setup;
    this.global = setup.initialParams().clone();
    this.momentum = new float[global.length];
    int p = setup.schedule().fragments();
    this.fragIdx = new int[p][];
    for (int f = 0; f < p; f++) {
      fragIdx[f] = setup.schedule().indices(f, global.length);
    }
    this.completedSyncs = new long[p];
    this.lastAverage = new OuterAverage[p];
    ports.storage().load(ReducerCheckpoint.parser()).ifPresent(this::restore);
    ports.network().bind(ctx.messageAdapter(Inbound.class, Delivered::new));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(Evaluated.class, this::onEvaluated)
        .onMessage(SyncTimeout.class, this::onSyncTimeout)
        .build();
  }

  /** Continues from what a previous incarnation saved (a checkpoint of another shape is refused in one line). */
  private void restore(ReducerCheckpoint cp) {
    if (cp.getVersion() != 1 || cp.getCompletedSyncsCount() != completedSyncs.length) {
      throw new InvalidMessageException("reducer checkpoint of version " + cp.getVersion() + " with "
          + cp.getCompletedSyncsCount() + " fragments (expected version 1, " + completedSyncs.length + " fragments)");
    }
    System.arraycopy(Tensors.decode(cp.getGlobal(), global.length), 0, global, 0, global.length);
    System.arraycopy(Tensors.decode(cp.getMomentum(), momentum.length), 0, momentum, 0, momentum.length);
    for (int p = 0; p < completedSyncs.length; p++) {
      completedSyncs[p] = cp.getCompletedSyncs(p);
    }
    for (OuterAverage a : cp.getLastAveragesList()) {
      if (Integer.compareUnsigned(a.getFragment(), lastAverage.length) >= 0) {
        throw new InvalidMessageException("reducer checkpoint has an average for fragment " + a.getFragment());
      }
      lastAverage[a.getFragment()] = a;
    }
    roundsReported = cp.getRoundsReported();
    roundLoss = cp.getRoundLoss();
    roundBytes = cp.getRoundBytes();
    getContext().getLog().info("reducer resumes from its checkpoint: syncs {} done, round {}",
        java.util.Arrays.toString(completedSyncs), roundsReported);
  }

  private void save() {
    ReducerCheckpoint.Builder cp = ReducerCheckpoint.newBuilder().setVersion(1).setGlobal(Tensors.fp32(global))
        .setMomentum(Tensors.fp32(momentum)).setRoundsReported(roundsReported).setRoundLoss(roundLoss)
        .setRoundBytes(roundBytes);
    for (int p = 0; p < completedSyncs.length; p++) {
      cp.addCompletedSyncs(completedSyncs[p]);
      if (lastAverage[p] != null) {
        cp.addLastAverages(lastAverage[p]);
      }
    }
    ReducerCheckpoint built = cp.build(); // built now: the state changes after this returns
    ports.storage().save(() -> built);
  }

  private boolean isReplica(int id) {
    for (int r : s.replicas()) {
      if (r == id) {
        return true;
      }
    }
    return false;
  }

  /** A restarted replica rejoins: each fragment's outer parameters and momentum after its last completed sync. */
  private void sendState(int to) {
    for (int p = 0; p < fragIdx.length; p++) {
      int[] idx = fragIdx[p];
      float[] params = new float[idx.length];
      float[] mom = new float[idx.length];
      for (int j = 0; j < idx.length; j++) {
        params[j] = global[idx[j]];
        mom[j] = momentum[idx[j]];
      }
      ports.network().send(to, Envelope.newBuilder().setOuterState(OuterState.newBuilder().setFragment(p)
          .setSync(completedSyncs[p]).setParams(Tensors.fp32(params)).setMomentum(Tensors.fp32(mom))));
    }
    if (gone.remove(to)) {
      getContext().getLog().warn("reducer: replica {} is back; waiting for it again", to);
    }
    getContext().getLog().info("reducer: replica {} rejoins at syncs {}", to, java.util.Arrays.toString(completedSyncs));
  }

  private Behavior<Command> onDelivered(Delivered d) {
    Envelope env = d.inbound().envelope();
    int from = d.inbound().from();
    if (!isReplica(from)) {
      ports.network().rejected(from, "reducer dropped {} from {}, which is no replica", env.getBodyCase(), from);
      return this;
    }
    if (env.getBodyCase() == Envelope.BodyCase.OUTER_STATE_REQUEST) {
      // The answer is the whole model: a replica that asks again before half a sync timeout
      // (a restarted one asks once per timeout) gets nothing, so requests cannot be amplified.
      double now = ports.clock().nowSeconds();
      Double last = stateSentAt.get(from);
      if (last != null && now - last < s.syncTimeout().toMillis() / 2000.0) {
        ports.network().rejected(from, "reducer dropped an outer state request from {}: asked again within {} s",
            from, s.syncTimeout().toMillis() / 2000.0);
        return this;
      }
      stateSentAt.put(from, now);
      sendState(from);
      return this;
    }
    if (env.getBodyCase() != Envelope.BodyCase.OUTER_GRADIENT) {
      ports.network().rejected(from, "reducer dropped {} from {}", env.getBodyCase(), from);
      return this;
    }
    OuterGradient g = env.getOuterGradient();
    int p = g.getFragment();
    long sync = g.getSync();
    // Both fields are unsigned on the wire: compared as unsigned, 2^32-1 is no fragment and 2^64-1 no sync.
    if (Integer.compareUnsigned(p, fragIdx.length) >= 0 || Long.compareUnsigned(sync, s.rounds()) > 0) {
      ports.network().rejected(from, "reducer dropped an unknown gradient (fragment {}, sync {}; allowed fragments 0..{},"
          + " syncs 1..{}) from {}", Integer.toUnsignedString(p), Long.toUnsignedString(sync), fragIdx.length - 1,
          s.rounds(), from);
      return this;
    }
    if (sync == completedSyncs[p] && lastAverage[p] != null) {
      // Late (left out after the timeout) or resent to a restarted reducer: its average again.
      ports.network().send(from, Envelope.newBuilder().setOuterAverage(lastAverage[p]));
      if (gone.remove(from)) {
        getContext().getLog().warn("reducer: replica {} is back (fragment {}, sync {}); waiting for it again", from, p, sync);
      }
      return this;
    }
    if (sync <= completedSyncs[p]) {
      ports.network().rejected(from, "reducer dropped a stale gradient (fragment {}, sync {}) from {}", p, sync, from);
      return this;
    }
    if (sync > completedSyncs[p] + 1) { // a replica sends sync k + 1 only after it applied the average of k
      ports.network().rejected(from, "reducer dropped a gradient ahead of the reduce (fragment {}, sync {}; expected {}) from {}",
          p, sync, completedSyncs[p] + 1, from);
      return this;
    }
    try {
      Tensors.decode(g.getDelta(), fragIdx[p].length);
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "reducer dropped the gradient of replica {}: {}", from, e.getMessage());
      return this;
    }
    long key = ((long) p << 40) | g.getSync();
    if (!pending.containsKey(key)) {
      timers.startSingleTimer(key, new SyncTimeout(key), s.syncTimeout());
    }
    pending.computeIfAbsent(key, k -> new TreeMap<>()).put(from, g);
    bytesIn.merge(key, (long) env.getSerializedSize(), Long::sum);
    if (gone.remove(from)) {
      getContext().getLog().warn("reducer: replica {} is back (fragment {}, sync {}); waiting for it again", from, p, sync);
    }
    reduceComplete();
    return this;
  }

  /** Reduces every pending sync that has the gradient of each replica not gone, in key order. */
  private void reduceComplete() {
    for (long key : new java.util.TreeSet<>(pending.keySet())) {
      Map<Integer, OuterGradient> got = pending.get(key);
      boolean all = true;
      for (int r : s.replicas()) {
        all &= got.containsKey(r) || gone.contains(r);
      }
      int p = (int) (key >>> 40);
      long sync = key & ((1L << 40) - 1);
      if (all && sync == completedSyncs[p] + 1) {
        reduce(p, sync, key);
      }
    }
  }

  private Behavior<Command> onSyncTimeout(SyncTimeout t) {
    Map<Integer, OuterGradient> got = pending.get(t.key());
    int p = (int) (t.key() >>> 40);
    long sync = t.key() & ((1L << 40) - 1);
    if (got == null || sync != completedSyncs[p] + 1) {
      return this; // reduced meanwhile, or an earlier sync of its fragment is still open (its own timer runs)
    }
    java.util.List<Integer> missing = new java.util.ArrayList<>();
    for (int r : s.replicas()) {
      if (!got.containsKey(r)) {
        missing.add(r);
      }
    }
    gone.addAll(missing);
    getContext().getLog().warn("reducer: no gradient from replica(s) {} for fragment {} sync {} within {} s"
        + " (diloco.sync-timeout-s); going on with the {} that sent, and no longer waiting for them", missing, p, sync,
        s.syncTimeout().toMillis() / 1000.0, got.size());
    reduceComplete();
    return this;
  }

  private void reduce(int p, long sync, long key) {
    timers.cancel(key);
    Map<Integer, OuterGradient> grads = pending.remove(key);
    int len = fragIdx[p].length;
    float[] acc = new float[len];
    double loss = 0;
    for (OuterGradient g : grads.values()) { // ascending replica id
      float[] d = Tensors.decode(g.getDelta(), len);
      for (int j = 0; j < len; j++) {
        acc[j] += d[j];
      }
      loss += g.getTrainLoss();
    }
    float inv = 1f / grads.size();
    for (int j = 0; j < len; j++) {
      acc[j] *= inv;
    }
    Tensor bytes = s.codec().encode(acc, RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.derive(s.seed(), p, sync)));
    float[] decoded = Tensors.decode(bytes, len); // the reducer uses the decoded bytes too
    OuterNesterov.step(global, momentum, fragIdx[p], decoded, s.outerLr(), s.outerMomentum());
    OuterAverage avg = OuterAverage.newBuilder().setFragment(p).setSync(sync).setAverage(bytes)
        .setParticipants(grads.size()).build();
    long out = (long) s.replicas().length
        * Envelope.newBuilder().setOuterAverage(avg).setSender(ports.id()).build().getSerializedSize();
    long syncBytes = bytesIn.remove(key) + out;
    completedSyncs[p] = sync;
    lastAverage[p] = avg;
    roundLoss += loss / grads.size() / fragIdx.length;
    roundBytes += syncBytes;
    long round = java.util.Arrays.stream(completedSyncs).min().orElse(0);
    boolean roundDone = round > roundsReported;
    int r = (int) round;
    double l = roundLoss;
    long b = roundBytes;
    if (roundDone) {
      roundsReported = r;
      roundLoss = 0;
      roundBytes = 0;
    }
    save(); // before the average goes out: a replica never gets ahead of what a restarted reducer knows
    for (int rep : s.replicas()) { // the gone too: a late replica applies the average of the sync it is in
      ports.network().send(rep, Envelope.newBuilder().setOuterAverage(avg));
    }
    s.listener().syncBytes(p, sync, syncBytes);
    if (roundDone) {
      if (r % s.evalEvery() == 0 || r == s.rounds()) {
        float[] snapshot = global.clone();
        var self = getContext().getSelf();
        ports.compute().submit(0, () -> {
          Model m = s.models().get();
          m.setParams(snapshot);
          return m.evaluate(s.testData(), null);
        }, (ev, err) -> self.tell(new Evaluated(r, ev, l, b, err)));
      } else {
        onEvaluated(new Evaluated(r, null, l, b, null));
      }
    }
  }

  private Behavior<Command> onEvaluated(Evaluated e) {
    if (e.failure() != null) {
      throw new IllegalStateException("evaluation failed", e.failure());
    }
    s.listener().roundCompleted(e.round(), e.evaluation() == null ? null : e.evaluation().accuracy(),
        e.evaluation() == null ? null : e.evaluation().loss(), global, e.trainLoss(), e.bytes());
    if (e.round() >= s.rounds()) {
      s.listener().finished(global.clone());
    }
    return this;
  }
}
