package dev.starling.node.fl;

import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.aggregator.WeightedVector;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.sampling.client.Samplers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Asynchronous FL with buffered aggregation, FedBuff (Nguyen et al., AISTATS 2022): at most
 * {@code concurrency} clients train at once, each on the model version it was last sent; every
 * update that comes back is weighted by its sample count times a function of its staleness (server
 * steps since its version) and buffered, and when the buffer holds {@code bufferSize} updates the
 * server folds their weighted mean into the model with its optimizer, one server step. A client
 * that reports is replaced at once by one drawn uniformly from the idle clients; one silent for
 * the deadline is replaced too. Clients are plain {@link FlClient}s: a request's round is the
 * model version, its attempt the client's dispatch count (so every dispatch trains afresh).
 * Federated evaluation (when scheduled) asks clients drawn afresh, training or not, to score a
 * server step's model on their own data; the step is reported once they answered or the deadline
 * passed.
 */
public final class FedBuffServer extends AbstractBehavior<FedBuffServer.Command> {

  /** How an update's weight falls with its staleness s (>= 0). */
  public sealed interface Staleness {
    double weight(int s);

    /** Every update counts the same. */
    record Constant() implements Staleness {
      public double weight(int s) {
        return 1;
      }
    }

    /** (1 + s)^-a. */
    record Polynomial(double a) implements Staleness {
      public double weight(int s) {
        return StrictMath.pow(1 + s, -a);
      }
    }

    /** 1 up to staleness b, then 1 / (a (s - b) + 1). */
    record Hinge(double a, int b) implements Staleness {
      public double weight(int s) {
        return s <= b ? 1 : 1 / (a * (s - b) + 1);
      }
    }
  }

  /** FedBuff's parameters: buffer size K, concurrency C and the staleness weighting. */
  public record Params(int bufferSize, int concurrency, Staleness staleness) {
    public Params {
      if (bufferSize < 1 || concurrency < 1) {
        throw new IllegalArgumentException("fedbuff needs buffer size and concurrency >= 1, got " + bufferSize + ", "
            + concurrency);
      }
    }
  }

  /** What the server reacts to. */
  public sealed interface Command permits Start, Delivered, Silent, Evaluated, FederatedDeadline {}

  public record Start() implements Command {}

  public record Delivered(Inbound inbound) implements Command {}

  /** Client {@code client}'s dispatch {@code dispatch} passed the deadline. */
  private record Silent(int client, int dispatch) implements Command {}

  private record Evaluated(int step, Evaluation evaluation, Throwable failure) implements Command {}

  /** The deadline of step {@code step}'s federated evaluation passed. */
  private record FederatedDeadline(int step) implements Command {}

  /** A step's federated evaluation under way: who was asked and who answered what. */
  private static final class FederatedRun {
    final List<Integer> asked;
    final TreeMap<Integer, Evaluation> answers = new TreeMap<>();
    RoundRecord.Federated result;
    boolean done;

    FederatedRun(List<Integer> asked) {
      this.asked = asked;
    }
  }

  private final TreeMap<Integer, FederatedRun> federated = new TreeMap<>();

  /** One buffered update. */
  private record Buffered(int client, float[] delta, long samples, float trainLoss, int staleness) {}

  private final NodePorts ports;
  private final FlServer.Setup setup;
  private final Params params;
  private final Aggregator rule;
  private final ServerOptimizer optimizer;
  private final RoundListener listener;
  private final TimerScheduler<Command> timers;
  private final UniformRandomProvider rng;
  private final float[] global;
  private final int numParams;
  private final Map<Integer, int[]> inFlight = new TreeMap<>(); // client -> {version, dispatch}
  private final Map<Integer, Integer> dispatches = new TreeMap<>();
  private final List<Buffered> buffer = new ArrayList<>();
  private final TreeMap<Integer, RoundRecord> pending = new TreeMap<>(); // steps waiting for their evaluation
  private int version;
  private boolean finished;

  public static Behavior<Command> create(NodePorts ports, FlServer.Setup setup, Params params, Aggregator rule,
      ServerOptimizer optimizer, RoundListener listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new FedBuffServer(ctx, t, ports, setup, params, rule, optimizer,
        listener)));
  }

  private FedBuffServer(ActorContext<Command> ctx, TimerScheduler<Command> timers, NodePorts ports, FlServer.Setup setup,
      Params params, Aggregator rule, ServerOptimizer optimizer, RoundListener listener) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    this.params = params;
    this.rule = rule;
    this.optimizer = optimizer;
    this.listener = listener;
    this.timers = timers;
    this.rng = RandomSource.XO_RO_SHI_RO_128_PP.create(setup.seed());
    this.global = setup.learning().initialParams().clone();
    this.numParams = global.length;
    ports.network().bind(ctx.messageAdapter(Inbound.class, Delivered::new));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, s -> start())
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(Silent.class, this::onSilent)
        .onMessage(Evaluated.class, this::onEvaluated)
        .onMessage(FederatedDeadline.class, d -> {
          finishFederated(d.step());
          return reportReady();
        })
        .build();
  }

  private Behavior<Command> start() {
    int c = Math.min(params.concurrency(), setup.sampling().clients().size());
    for (int client : Samplers.choose(setup.sampling().clients(), c, rng)) {
      dispatch(client);
    }
    return this;
  }

  /** Sends the current model to {@code client} and waits for it (at most the deadline, when there is one). */
  private void dispatch(int client) {
    int d = dispatches.merge(client, 1, Integer::sum);
    inFlight.put(client, new int[] {version, d});
    ports.network().send(client, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(version)
        .setAttempt(d).setModel(Tensors.fp32(global))));
    Duration dl = setup.schedule().deadline();
    if (!dl.isZero()) {
      timers.startSingleTimer("silent-" + client, new Silent(client, d), dl);
    }
  }

  /** A client uniformly from those not training now (other than {@code except}), or null when there is none. */
  private Integer idleClient(int except) {
    List<Integer> idle = new ArrayList<>();
    for (int c : setup.sampling().clients()) {
      if (!inFlight.containsKey(c) && c != except) {
        idle.add(c);
      }
    }
    return idle.isEmpty() ? null : idle.get(rng.nextInt(idle.size()));
  }

  private Behavior<Command> onDelivered(Delivered d) {
    int from = d.inbound().from();
    Envelope env = d.inbound().envelope();
    if (env.getBodyCase() == Envelope.BodyCase.EVALUATE_RESULT) {
      return onEvaluateResult(from, env.getEvaluateResult());
    }
    if (env.getBodyCase() != Envelope.BodyCase.MODEL_UPDATE) {
      ports.network().rejected(from, "fedbuff server dropped unexpected {} from {}", env.getBodyCase(), from);
      return this;
    }
    ModelUpdate u = env.getModelUpdate();
    float[] delta;
    try {
      delta = Tensors.decode(u.getDelta(), numParams);
      ClientUpdate.checkScalars(u);
      if (u.getTensorsCount() > 0) {
        throw new InvalidMessageException("update with " + u.getTensorsCount() + " extra tensors (FedBuff takes none)");
      }
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "fedbuff server rejected an update from node {}: {}", from, e.getMessage());
      return this;
    }
    int[] sent = inFlight.get(from);
    if (finished || sent == null || u.getRound() != sent[0] || u.getAttempt() != sent[1]) {
      return this; // late (after a replacement), stale or unasked
    }
    inFlight.remove(from);
    timers.cancel("silent-" + from);
    buffer.add(new Buffered(from, delta, u.getNumSamples(), u.getTrainLoss(), version - sent[0]));
    if (buffer.size() >= params.bufferSize()) {
      step();
    }
    if (!finished) {
      Integer next = idleClient(-1);
      dispatch(next != null ? next : from);
    }
    return this;
  }

  private Behavior<Command> onSilent(Silent s) {
    int[] sent = inFlight.get(s.client());
    if (finished || sent == null || sent[1] != s.dispatch()) {
      return this;
    }
    inFlight.remove(s.client()); // its update, should it come, is dropped as unasked
    Integer next = idleClient(s.client());
    dispatch(next != null ? next : s.client()); // the only client left is asked again
    return this;
  }

  /** Folds the buffer into the model: one server step. */
  private void step() {
    List<WeightedVector> weighted = new ArrayList<>(buffer.size());
    double lossSum = 0;
    double sampleSum = 0;
    double staleSum = 0;
    int staleMax = 0;
    TreeSet<Integer> clients = new TreeSet<>();
    for (Buffered b : buffer) { // arrival order, which the simulation fixes
      weighted.add(new WeightedVector(b.delta(), b.samples() * params.staleness().weight(b.staleness())));
      lossSum += b.trainLoss() * (double) b.samples();
      sampleSum += b.samples();
      staleSum += b.staleness();
      staleMax = Math.max(staleMax, b.staleness());
      clients.add(b.client());
    }
    optimizer.step(global, rule.aggregate(weighted));
    version++;
    RoundRecord rec = new RoundRecord(version, 1, List.copyOf(new TreeSet<>(inFlight.keySet())), List.copyOf(clients),
        lossSum / sampleSum, null, null, null, new RoundRecord.Staleness(staleSum / buffer.size(), staleMax));
    buffer.clear();
    int rounds = setup.schedule().rounds();
    if (version >= rounds) {
      finished = true;
      timers.cancelAll();
    }
    if (setup.schedule().federatedEval().due(version, rounds)) {
      askFederated(version, global.clone());
    }
    if (version % setup.schedule().evalEvery() == 0 || version == rounds) {
      pending.put(version, rec);
      float[] snapshot = global.clone();
      int v = version;
      var self = getContext().getSelf();
      ports.compute().submit(0, () -> {
        Model m = setup.learning().models().get();
        m.setParams(snapshot);
        return m.evaluate(setup.learning().testData(), null);
      }, (ev, failure) -> self.tell(new Evaluated(v, ev, failure)));
    } else if (pending.isEmpty() && !federated.containsKey(version)) {
      report(rec, global);
    } else {
      pending.put(version, rec);
    }
  }

  private Behavior<Command> onEvaluated(Evaluated e) {
    if (e.failure() != null) {
      listener.failed("evaluation of server step " + e.step() + " failed: " + e.failure());
      return Behaviors.stopped();
    }
    RoundRecord r = pending.get(e.step());
    pending.put(e.step(), new RoundRecord(r.round(), r.attempts(), r.invited(), r.aggregated(), r.trainLoss(), e.evaluation(),
        null, null, r.staleness()));
    return reportReady();
  }

  /** Reports the steps whose evaluations are done, in order: each waits for the ones before it. */
  private Behavior<Command> reportReady() {
    while (!pending.isEmpty()) {
      int step = pending.firstKey();
      RoundRecord next = pending.firstEntry().getValue();
      boolean evaluated = next.evaluation() != null
          || step % setup.schedule().evalEvery() != 0 && step != setup.schedule().rounds();
      FederatedRun fr = federated.get(step);
      if (!evaluated || fr != null && !fr.done) {
        break;
      }
      pending.pollFirstEntry();
      federated.remove(step);
      report(fr == null ? next : new RoundRecord(next.round(), next.attempts(), next.invited(), next.aggregated(),
          next.trainLoss(), next.evaluation(), null, fr.result, next.staleness()), global);
    }
    if (finished && pending.isEmpty()) {
      listener.finished(global.clone());
      return Behaviors.stopped();
    }
    return this;
  }

  /** Asks clients drawn afresh (seeded by the step) to score step {@code step}'s model on their own data. */
  private void askFederated(int step, float[] model) {
    FlServer.FederatedEval fe = setup.schedule().federatedEval();
    List<Integer> all = setup.sampling().clients();
    List<Integer> chosen = new ArrayList<>(Samplers.choose(all, Math.min(fe.clients(), all.size()),
        RandomSource.XO_RO_SHI_RO_128_PP.create(dev.starling.node.runtime.Seeds.derive(setup.seed(), step, 0x4645L))));
    chosen.sort(null);
    federated.put(step, new FederatedRun(List.copyOf(chosen)));
    var req = dev.starling.node.wire.proto.EvaluateRequest.newBuilder().setRound(step).setModel(Tensors.fp32(model)).build();
    for (int c : chosen) {
      ports.network().send(c, Envelope.newBuilder().setEvaluateRequest(req));
    }
    Duration dl = setup.schedule().deadline();
    if (!dl.isZero()) {
      timers.startSingleTimer("fed-" + step, new FederatedDeadline(step), dl);
    }
  }

  private Behavior<Command> onEvaluateResult(int from, dev.starling.node.wire.proto.EvaluateResult r) {
    if (r.getNumSamples() > Integer.MAX_VALUE || !(r.getAccuracy() >= 0 && r.getAccuracy() <= 1)
        || !(r.getLoss() >= 0) || !Double.isFinite(r.getLoss())) {
      ports.network().rejected(from, "fedbuff server rejected an evaluation from node {}: samples {}, accuracy {}, loss {}"
          + " (allowed 0.." + Integer.MAX_VALUE + ", [0, 1], finite >= 0)", from, Long.toUnsignedString(r.getNumSamples()),
          r.getAccuracy(), r.getLoss());
      return this;
    }
    FederatedRun fr = r.getRound() > Integer.MAX_VALUE ? null : federated.get((int) r.getRound());
    if (fr == null || fr.done || !fr.asked.contains(from) || fr.answers.containsKey(from)) {
      return this; // late, stale, uninvited or duplicate
    }
    fr.answers.put(from, new Evaluation(r.getAccuracy(), r.getLoss(), (int) r.getNumSamples()));
    if (fr.answers.size() >= fr.asked.size()) {
      finishFederated((int) r.getRound());
      return reportReady();
    }
    return this;
  }

  private void finishFederated(int step) {
    FederatedRun fr = federated.get(step);
    if (fr == null || fr.done) {
      return;
    }
    fr.done = true;
    timers.cancel("fed-" + step);
    Evaluation mean = Evaluation.weightedMean(fr.answers.values());
    fr.result = mean == null ? null : new RoundRecord.Federated(fr.asked.size(), fr.answers.size(), mean,
        Evaluation.accuracyQuantile(fr.answers.values(), 0.1));
  }

  private void report(RoundRecord r, float[] params) {
    listener.roundCompleted(r, params);
  }
}
