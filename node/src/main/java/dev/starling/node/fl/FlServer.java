package dev.starling.node.fl;

import com.google.protobuf.ByteString;
import dev.starling.aggregator.Aggregator;
import dev.starling.aggregator.ServerOptimizer;
import dev.starling.node.data.Dataset;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.privacy.PrivacyLedger;
import dev.starling.node.privacy.UpdatePrivacy;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.EvaluateRequest;
import dev.starling.node.wire.proto.EvaluateResult;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.NamedTensor;
import dev.starling.node.wire.proto.RoundSummary;
import dev.starling.node.wire.proto.ServerCheckpoint;
import dev.starling.node.wire.proto.Tensor;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.sampling.client.ClientSampler;
import dev.starling.sampling.client.Samplers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The FL server: each round it samples clients (plus an over-selection margin), sends them the
 * global model, and closes the round when the target number of updates has arrived or the
 * deadline passes. A round closes with what arrived if at least {@code minClients} did, and is
 * retried with a fresh sample otherwise. Updates are aggregated in client-id order (so the result
 * does not depend on arrival order), applied with the server optimizer, and the new global model
 * is evaluated.
 */
public final class FlServer extends AbstractBehavior<FlServer.Command> {

  /** What the server reacts to. */
  public sealed interface Command permits Start, Delivered, Deadline, Evaluated, FederatedDeadline, SecAggTimeout {}

  /** Begin training. */
  public record Start() implements Command {}

  /** A network message. */
  public record Delivered(Inbound inbound) implements Command {}

  private record Deadline(int round, int attempt) implements Command {}

  private record Evaluated(int round, Evaluation evaluation, Throwable failure) implements Command {}

  private record FederatedDeadline(int round) implements Command {}

  /** A SecAgg stage of (round, attempt) waited its timeout. */
  private record SecAggTimeout(int round, int attempt) implements Command {}

  /**
   * Exact integer aggregation of level-index updates (RQM indices or the lattice codec), in the
   * clear or under SecAgg+ masks: the weighted mean of the updates, decoded once from the
   * integer sum, is what the strategy aggregates.
   *
   * @param levels and {@code outer}: the lattice every update uses
   * @param maxWeight the largest sample count a client may weigh in with
   * @param secagg the SecAgg+ parameters, or null to sum in the clear
   * @param stageTimeout how long the key, share and unmask stages wait for the last client
   */
  public record SecureSum(int levels, double outer, long maxWeight, dev.starling.node.secagg.SecAggServerRound.Params secagg,
      Duration stageTimeout) {
    public boolean masked() {
      return secagg != null;
    }
  }

  /** Who takes part: all client ids (ascending), who is asked each round, and how many extra are invited. */
  public record Sampling(List<Integer> clients, ClientSampler sampler, double overSelection, int expectedClients) {
    public Sampling {
      clients = clients instanceof IdRange ? clients : List.copyOf(clients);
      if (clients.isEmpty()) {
        throw new IllegalArgumentException("the server needs at least one client");
      }
      if (!(overSelection >= 0)) {
        throw new IllegalArgumentException("over-selection must be >= 0, got " + overSelection);
      }
    }

    /** Every client, the sampler's target per round, no over-selection. */
    public Sampling(List<Integer> clients, ClientSampler sampler) {
      this(clients, sampler, 0, 1);
    }
  }

  /**
   * How rounds run: how many, the deadline (zero waits for every invited client), the fewest
   * updates a round may close with at the deadline, attempts before training is abandoned, and
   * how often the global model is evaluated (always after the last round).
   */
  public record Schedule(int rounds, Duration deadline, int minClients, int maxAttempts, int evalEvery,
      FederatedEval federatedEval) {
    /** A schedule without federated evaluation. */
    public Schedule(int rounds, Duration deadline, int minClients, int maxAttempts, int evalEvery) {
      this(rounds, deadline, minClients, maxAttempts, evalEvery, FederatedEval.OFF);
    }

    public Schedule {
      if (minClients < 1) {
        throw new IllegalArgumentException("min-clients must be >= 1, got " + minClients);
      }
      if (rounds < 1 || evalEvery < 1 || maxAttempts < 1) {
        throw new IllegalArgumentException("rounds, eval-every and max-attempts must be >= 1");
      }
    }
  }

  /**
   * Federated evaluation: every {@code every} rounds (and after the last), {@code clients} clients
   * drawn afresh evaluate the new global model on their own data, and the strategy combines their
   * results; the round completes when all have answered or the round deadline passes. Off when
   * {@code every} is 0.
   */
  public record FederatedEval(int every, int clients) {
    public static final FederatedEval OFF = new FederatedEval(0, 0);

    public FederatedEval {
      if (every < 0 || clients < 0 || every > 0 && clients < 1) {
        throw new IllegalArgumentException("federated evaluation needs every >= 0 and clients >= 1, got " + every
            + " and " + clients);
      }
    }

    boolean due(int round, int rounds) {
      return every > 0 && (round % every == 0 || round == rounds);
    }
  }

  /**
   * The strategy: the aggregation rule for client deltas (which update privacy wraps) and the
   * algorithm that uses it and moves the global model.
   */
  public record Strategy(Aggregator aggregator, FlStrategy algorithm) {
    /** The FedOpt family: the rule's result moves the model by {@code optimizer}. */
    public Strategy(Aggregator aggregator, ServerOptimizer optimizer) {
      this(aggregator, new AggregateAndStep(optimizer));
    }
  }

  /** The model: its initial parameters, how to make instances, and the data it is evaluated on. */
  public record Learning(float[] initialParams, ModelPool models, Dataset testData) {}

  /** Update privacy, its ledger (null without one) and the epsilon at which training stops. */
  public record Privacy(UpdatePrivacy mechanism, PrivacyLedger ledger, double epsilonBudget) {
    /** No privacy. */
    public static Privacy none() {
      return new Privacy(new UpdatePrivacy.None(), null, Double.POSITIVE_INFINITY);
    }
  }

  /** Server settings, grouped by concern; {@code checkpoints} is null for a server that keeps none. */
  public record Setup(Sampling sampling, Schedule schedule, Strategy strategy, Learning learning, Privacy privacy,
      long seed, ServerCheckpoints checkpoints, SecureSum secureSum) {

    /** A setup without checkpoints. */
    public Setup(Sampling sampling, Schedule schedule, Strategy strategy, Learning learning, Privacy privacy, long seed) {
      this(sampling, schedule, strategy, learning, privacy, seed, null, null);
    }

    public Setup(Sampling sampling, Schedule schedule, Strategy strategy, Learning learning, Privacy privacy, long seed,
        ServerCheckpoints checkpoints) {
      this(sampling, schedule, strategy, learning, privacy, seed, checkpoints, null);
    }

    /** The same setup, checkpointing every round to {@code store} and resuming from it. */
    public Setup withCheckpoints(ServerCheckpoints store) {
      return new Setup(sampling, schedule, strategy, learning, privacy, seed, store, secureSum);
    }

    /** The same setup, aggregating level indices exactly (null: as floats). */
    public Setup withSecureSum(SecureSum s) {
      return new Setup(sampling, schedule, strategy, learning, privacy, seed, checkpoints, s);
    }
  }

  private final NodePorts ports;
  private final Setup setup;
  private final TimerScheduler<Command> timers;
  private final RoundListener listener;
  private final RestorableUniformRandomProvider rng;
  private final RestorableUniformRandomProvider noiseRng;
  private final List<RoundSummary> history = new ArrayList<>();
  private final double elapsedBefore;
  private final int firstRound;
  private final float[] global;
  private final int numParams;
  private final Aggregator aggregator;

  private int round;
  private int attempt;
  private int target;
  private List<Integer> invited = List.of();
  private final Map<Integer, ClientUpdate> received = new TreeMap<>();
  private final FlStrategy algorithm;
  private final java.util.SortedSet<String> clientTensors;

  /** Federated evaluation of the round that closed: who was asked, what came back, the central result. */
  private List<Integer> fedInvited = List.of();
  private final Map<Integer, Evaluation> fedReceived = new TreeMap<>();
  private Evaluated fedPending;
  private boolean closing;
  private List<Integer> lastAggregated = List.of();
  private double lastTrainLoss;
  private final SecureAggregation secure;
  private final Duration stageTimeout;

  public static Behavior<Command> create(NodePorts ports, Setup setup, RoundListener listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new FlServer(ctx, t, ports, setup, listener)));
  }

  private FlServer(ActorContext<Command> ctx, TimerScheduler<Command> timers, NodePorts ports, Setup setup,
      RoundListener listener) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    this.timers = timers;
    this.listener = listener;
    this.rng = RandomSource.XO_RO_SHI_RO_128_PP.create(setup.seed());
    this.noiseRng = RandomSource.XO_RO_SHI_RO_128_PP.create(setup.seed() ^ 0x4E4F495345L);
    this.global = setup.learning().initialParams().clone();
    this.numParams = global.length;
    this.aggregator = setup.privacy().mechanism().aggregator(setup.strategy().aggregator(),
        Math.max(1, setup.sampling().expectedClients()), noiseRng);
    this.algorithm = setup.strategy().algorithm();
    this.clientTensors = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(algorithm.clientTensors()));
    this.secure = setup.secureSum() == null ? null
        : new SecureAggregation(setup.secureSum(), numParams, ports.network(), setup.seed());
    // The key and share stages must end well inside the round deadline, or a round with one
    // silent client would spend the deadline waiting for its keys: a tenth of it at most.
    Duration stage = setup.secureSum() == null ? Duration.ZERO : setup.secureSum().stageTimeout();
    Duration dl = setup.schedule().deadline();
    this.stageTimeout = !dl.isZero() && dl.dividedBy(10).compareTo(stage) < 0 ? dl.dividedBy(10) : stage;
    Optional<ServerCheckpoint> cp = setup.checkpoints() == null ? Optional.empty() : setup.checkpoints().load();
    if (cp.isPresent()) {
      restore(cp.get());
      this.firstRound = cp.get().getRound() + 1;
      this.elapsedBefore = history.isEmpty() ? 0 : history.get(history.size() - 1).getElapsedS();
      ctx.getLog().info("server resumed from {} after round {}", setup.checkpoints().file(), cp.get().getRound());
      listener.resumed(List.copyOf(history));
    } else {
      this.firstRound = 1;
      this.elapsedBefore = 0;
    }
    ports.network().bind(ctx.messageAdapter(Inbound.class, Delivered::new));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, s -> firstRound > setup.schedule().rounds() ? finish() : startRound(firstRound, 0))
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(Deadline.class, this::onDeadline)
        .onMessage(Evaluated.class, this::onEvaluated)
        .onMessage(FederatedDeadline.class, this::onFederatedDeadline)
        .onMessage(SecAggTimeout.class, this::onSecAggTimeout)
        .build();
  }

  private Behavior<Command> startRound(int r, int a) {
    if (a == 0 && setup.privacy().ledger() != null && Double.isFinite(setup.privacy().epsilonBudget())) {
      double next = setup.privacy().ledger().epsilonAfter(r);
      if (next > setup.privacy().epsilonBudget()) {
        listener.stoppedEarly(global.clone(), String.format(java.util.Locale.ROOT,
            "privacy budget: round %d would bring epsilon to %.4g > budget %.4g (delta %.1e); stopped after round %d",
            r, next, setup.privacy().epsilonBudget(), setup.privacy().ledger().delta(), r - 1));
        return Behaviors.stopped();
      }
    }
    if (a >= setup.schedule().maxAttempts()) {
      listener.failed("round " + r + " got fewer than min-clients=" + setup.schedule().minClients()
          + " updates in " + a + " attempts");
      return Behaviors.stopped();
    }
    round = r;
    attempt = a;
    received.clear();
    closing = false;
    List<Integer> sampled = setup.sampling().sampler().sample(setup.sampling().clients(), rng);
    target = sampled.size();
    List<Integer> inv = new ArrayList<>(sampled);
    int extra = (int) Math.ceil(target * setup.sampling().overSelection());
    if (extra > 0) {
      List<Integer> rest = new ArrayList<>(setup.sampling().clients());
      rest.removeAll(new java.util.HashSet<>(sampled)); // O(n), not O(n k)
      inv.addAll(Samplers.choose(rest, Math.min(extra, rest.size()), rng));
      inv.sort(null);
    }
    invited = List.copyOf(inv);
    if (secure != null) {
      secure.begin(r, a, invited);
      if (secure.masked()) {
        timers.startSingleTimer("secagg", new SecAggTimeout(r, a), stageTimeout);
      }
    }
    TrainRequest.Builder request = TrainRequest.newBuilder().setRound(r).setAttempt(a).setModel(Tensors.fp32(global));
    algorithm.configureFit(r).writeTo(request);
    TrainRequest built = request.build();
    for (int c : invited) {
      ports.network().send(c, Envelope.newBuilder().setTrainRequest(built));
    }
    if (!setup.schedule().deadline().isZero()) {
      timers.startSingleTimer("deadline", new Deadline(r, a), setup.schedule().deadline());
    }
    if (target == 0) {
      return onDeadline(new Deadline(r, a)); // an empty Poisson sample: retry at once
    }
    return this;
  }

  private Behavior<Command> onDelivered(Delivered d) {
    int from = d.inbound().from();
    Envelope env = d.inbound().envelope();
    if (env.getBodyCase() == Envelope.BodyCase.EVALUATE_RESULT) {
      return onEvaluateResult(from, env.getEvaluateResult());
    }
    if (SecureAggregation.isSecAgg(env.getBodyCase())) {
      return onSecAgg(from, env);
    }
    if (env.getBodyCase() != Envelope.BodyCase.MODEL_UPDATE) {
      ports.network().rejected(from, "server dropped unexpected {} from {}", env.getBodyCase(), from);
      return this;
    }
    ModelUpdate u = env.getModelUpdate();
    // The content is checked before the protocol state, so a bad update is always reported.
    float[] delta;
    java.util.TreeMap<String, float[]> tensors;
    try {
      delta = Tensors.decode(u.getDelta(), numParams);
      tensors = NamedTensors.read(u.getTensorsList(), numParams, "update");
      if (!tensors.keySet().equals(clientTensors)) {
        throw new InvalidMessageException("update tensors " + tensors.keySet() + " (strategy " + algorithm.name()
            + " expects " + clientTensors + ")");
      }
      ClientUpdate.checkScalars(u);
    } catch (InvalidMessageException e) {
      ports.network().rejected(from, "server rejected an update from node {} for round {}: {}", from,
          Integer.toUnsignedString(u.getRound()), e.getMessage());
      return this;
    }
    if (closing || u.getRound() != round || u.getAttempt() != attempt || !invited.contains(from)
        || received.containsKey(from)) {
      return this; // late, stale, uninvited or duplicate
    }
    if (secure != null) {
      if (secure.masked()) {
        ports.network().rejected(from, "server dropped a plain update from node {}: this run aggregates under SecAgg", from);
        return this;
      }
      try {
        secure.clearUpdate(from, u.getDelta(), u.getNumSamples());
      } catch (InvalidMessageException e) {
        ports.network().rejected(from, "server rejected an update from node {} for round {}: {}", from, round, e.getMessage());
        return this;
      }
    }
    received.put(from, new ClientUpdate(from, delta, u.getNumSamples(), u.getTrainLoss(), tensors));
    if (received.size() >= target) {
      return closeRound();
    }
    return this;
  }


  private Behavior<Command> onSecAgg(int from, Envelope env) {
    int[] ra = dev.starling.node.secagg.SecAggCrypto.roundAndAttempt(env);
    int r = ra[0];
    int a = ra[1];
    if (secure == null || !secure.masked()) {
      ports.network().rejected(from, "server dropped {} from node {}: this run does not use SecAgg", env.getBodyCase(), from);
      return this;
    }
    if (r != round || a != attempt || (closing && !secure.unmasking())) {
      return this; // late or stale (a survivor's reveal after the sum was rebuilt, say)
    }
    if (!invited.contains(from)) {
      ports.network().rejected(from, "server dropped {} from node {}: not invited to round {}", env.getBodyCase(), from, round);
      return this;
    }
    SecureAggregation.Event e;
    try {
      e = secure.onMessage(from, env, received);
    } catch (InvalidMessageException ex) {
      ports.network().rejected(from, "server rejected {} from node {} for round {}: {}", env.getBodyCase(), from, round,
          ex.getMessage());
      return this;
    }
    if (e == SecureAggregation.Event.INPUT && received.size() >= target) {
      return closeInputs();
    }
    if (e == SecureAggregation.Event.SUMMED) {
      timers.cancel("secagg");
      return closeRound();
    }
    if (!secure.stageTimed()) {
      timers.cancel("secagg");
    }
    return this;
  }

  private Behavior<Command> onSecAggTimeout(SecAggTimeout t) {
    if (t.round() != round || t.attempt() != attempt || !secure.stageTimed()) {
      return this;
    }
    if (secure.unmasking()) {
      getContext().getLog().info("round {} attempt {}: too few SecAgg shares to unmask; retrying", round, attempt);
      return startRound(round, attempt + 1);
    }
    if (!secure.advance()) {
      getContext().getLog().info("round {} attempt {}: under 2 SecAgg clients; retrying", round, attempt);
      return startRound(round, attempt + 1);
    }
    if (secure.stageTimed()) {
      timers.startSingleTimer("secagg", new SecAggTimeout(round, attempt), stageTimeout);
    }
    return this;
  }

  /** SecAgg: the masked inputs that came are the round's; their senders are asked to unmask. */
  private Behavior<Command> closeInputs() {
    closing = true;
    timers.cancel("deadline");
    secure.closeInputs(received.keySet());
    timers.startSingleTimer("secagg", new SecAggTimeout(round, attempt), stageTimeout);
    return this;
  }

  private Behavior<Command> onDeadline(Deadline dl) {
    if (closing || dl.round() != round || dl.attempt() != attempt) {
      return this;
    }
    if (received.size() >= setup.schedule().minClients() && (secure == null || !received.isEmpty())) {
      return secure != null && secure.masked() ? closeInputs() : closeRound();
    }
    getContext().getLog().info("round {} attempt {}: {} of min {} updates by the deadline; retrying",
        round, attempt, received.size(), setup.schedule().minClients());
    return startRound(round, attempt + 1);
  }

  private Behavior<Command> closeRound() {
    closing = true;
    timers.cancel("deadline");
    double lossSum = 0;
    double weightSum = 0;
    for (ClientUpdate u : received.values()) { // TreeMap: ascending client id
      lossSum += u.trainLoss() * (double) u.samples();
      weightSum += u.samples();
    }
    algorithm.aggregateFit(round, secure == null ? List.copyOf(received.values()) : List.of(secure.mean(received)),
        aggregator, global);
    lastAggregated = List.copyOf(received.keySet());
    lastTrainLoss = weightSum > 0 ? lossSum / weightSum : 0;
    int r = round;
    if (r % setup.schedule().evalEvery() == 0 || r == setup.schedule().rounds()) {
      float[] snapshot = global.clone();
      var self = getContext().getSelf();
      ports.compute().submit(0, () -> {
        Model m = setup.learning().models().get();
        m.setParams(snapshot);
        return m.evaluate(setup.learning().testData(), null);
      }, (ev, failure) -> self.tell(new Evaluated(r, ev, failure)));
      return this;
    }
    return onEvaluated(new Evaluated(r, null, null));
  }

  private Behavior<Command> onEvaluated(Evaluated e) {
    if (e.failure() != null) {
      listener.failed("evaluation of round " + e.round() + " failed: " + e.failure());
      return Behaviors.stopped();
    }
    FederatedEval fe = setup.schedule().federatedEval();
    if (!fe.due(e.round(), setup.schedule().rounds())) {
      return completeRound(e, null);
    }
    // A fresh draw per round from the seed, so federated evaluation leaves the sampler's stream alone.
    List<Integer> all = setup.sampling().clients();
    List<Integer> chosen = new ArrayList<>(Samplers.choose(all, Math.min(fe.clients(), all.size()),
        RandomSource.XO_RO_SHI_RO_128_PP.create(dev.starling.node.runtime.Seeds.derive(setup.seed(), e.round(), 0x4645L))));
    chosen.sort(null);
    fedInvited = List.copyOf(chosen);
    fedReceived.clear();
    fedPending = e;
    EvaluateRequest req = EvaluateRequest.newBuilder().setRound(e.round()).setModel(Tensors.fp32(global)).build();
    for (int c : fedInvited) {
      ports.network().send(c, Envelope.newBuilder().setEvaluateRequest(req));
    }
    if (!setup.schedule().deadline().isZero()) {
      timers.startSingleTimer("fed-deadline", new FederatedDeadline(e.round()), setup.schedule().deadline());
    }
    return this;
  }

  private Behavior<Command> onEvaluateResult(int from, EvaluateResult r) {
    if (r.getNumSamples() > Integer.MAX_VALUE || !(r.getAccuracy() >= 0 && r.getAccuracy() <= 1)
        || !(r.getLoss() >= 0) || !Double.isFinite(r.getLoss())) {
      ports.network().rejected(from, "server rejected an evaluation from node {} for round {}: samples {}, accuracy {}, loss {}"
          + " (allowed 0.." + Integer.MAX_VALUE + ", [0, 1], finite >= 0)", from, Integer.toUnsignedString(r.getRound()),
          Long.toUnsignedString(r.getNumSamples()), r.getAccuracy(), r.getLoss());
      return this;
    }
    if (fedPending == null || r.getRound() != fedPending.round() || !fedInvited.contains(from)
        || fedReceived.containsKey(from)) {
      return this; // late, stale, uninvited or duplicate
    }
    fedReceived.put(from, new Evaluation(r.getAccuracy(), r.getLoss(), (int) r.getNumSamples()));
    return fedReceived.size() >= fedInvited.size() ? finishFederated() : this;
  }

  private Behavior<Command> onFederatedDeadline(FederatedDeadline d) {
    return fedPending != null && d.round() == fedPending.round() ? finishFederated() : this;
  }

  private Behavior<Command> finishFederated() {
    timers.cancel("fed-deadline");
    Evaluated central = fedPending;
    fedPending = null;
    Evaluation combined = algorithm.aggregateEvaluate(central.round(), List.copyOf(fedReceived.values()));
    return completeRound(central, combined == null ? null
        : new RoundRecord.Federated(fedInvited.size(), fedReceived.size(), combined,
            Evaluation.accuracyQuantile(fedReceived.values(), 0.1)));
  }

  private Behavior<Command> completeRound(Evaluated e, RoundRecord.Federated federated) {
    Double eps = setup.privacy().ledger() == null ? null : setup.privacy().ledger().epsilonAfter(e.round());
    RoundRecord rec = new RoundRecord(e.round(), attempt + 1, invited, lastAggregated, lastTrainLoss, e.evaluation(), eps,
        federated);
    if (setup.checkpoints() != null) {
      // Durable before anyone hears of the round: after a crash the round is either redone from
      // the previous checkpoint or complete, never half applied.
      history.add(summary(rec, elapsedBefore + ports.clock().nowSeconds()));
      setup.checkpoints().save(checkpoint(e.round()));
    }
    listener.roundCompleted(rec, global);
    if (e.round() >= setup.schedule().rounds()) {
      return finish();
    }
    return startRound(e.round() + 1, 0);
  }

  private Behavior<Command> finish() {
    listener.finished(global.clone());
    return Behaviors.stopped();
  }

  private static RoundSummary summary(RoundRecord r, double elapsed) {
    RoundSummary.Builder b = RoundSummary.newBuilder()
        .setRound(r.round()).setAttempts(r.attempts()).setTrainLoss(r.trainLoss()).setElapsedS(elapsed);
    r.invited().forEach(b::addInvited);
    r.aggregated().forEach(b::addAggregated);
    if (r.evaluation() != null) {
      b.setEvaluated(true).setAccuracy(r.evaluation().accuracy()).setLoss(r.evaluation().loss());
    }
    if (r.epsilon() != null) {
      b.setHasEpsilon(true).setEpsilon(r.epsilon());
    }
    if (r.federated() != null) {
      b.setFedEvaluated(true).setFedAsked(r.federated().asked()).setFedAnswered(r.federated().answered())
          .setFedSamples(r.federated().evaluation().samples())
          .setFedAccuracy(r.federated().evaluation().accuracy()).setFedLoss(r.federated().evaluation().loss())
          .setFedAccuracyP10(r.federated().accuracyP10());
    }
    return b.build();
  }

  private ServerCheckpoint checkpoint(int completed) {
    ServerCheckpoint.Builder b = ServerCheckpoint.newBuilder()
        .setVersion(1)
        .setRound(completed)
        .setNumParams(numParams)
        .setGlobal(Tensors.fp32(global))
        .setSamplerRng(ByteString.copyFrom(((RandomProviderDefaultState) rng.saveState()).getState()))
        .setNoiseRng(ByteString.copyFrom(((RandomProviderDefaultState) noiseRng.saveState()).getState()))
        .addAllHistory(history);
    for (var st : algorithm.state().entrySet()) {
      b.addOptimizer(NamedTensor.newBuilder().setName(st.getKey()).setTensor(Tensors.fp32(st.getValue())));
    }
    return b.build();
  }

  private void restore(ServerCheckpoint cp) {
    if (cp.getNumParams() != numParams || cp.getRound() > setup.schedule().rounds()) {
      throw new InvalidMessageException("checkpoint " + setup.checkpoints().file() + " is for " + cp.getNumParams()
          + " parameters after round " + cp.getRound() + "; this run has " + numParams + " parameters and "
          + setup.schedule().rounds() + " rounds (delete it to start afresh)");
    }
    System.arraycopy(Tensors.decode(cp.getGlobal(), numParams), 0, global, 0, numParams);
    Map<String, float[]> state = new java.util.LinkedHashMap<>();
    for (NamedTensor t : cp.getOptimizerList()) {
      state.put(t.getName(), Tensors.decode(t.getTensor(), t.getTensor().getLength()));
    }
    algorithm.restore(state);
    rng.restoreState(new RandomProviderDefaultState(cp.getSamplerRng().toByteArray()));
    noiseRng.restoreState(new RandomProviderDefaultState(cp.getNoiseRng().toByteArray()));
    history.addAll(cp.getHistoryList());
  }
}
