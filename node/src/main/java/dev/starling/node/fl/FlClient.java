package dev.starling.node.fl;

import dev.starling.node.data.Dataset;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.privacy.UpdatePrivacy;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.NodePorts;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.learning.Evaluation;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.EvaluateRequest;
import dev.starling.node.wire.proto.EvaluateResult;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.TrainRequest;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * An FL client: trains the global model it is sent on its own data with its strategy's
 * {@link ClientTraining} and answers with its update {@code local - global}, its sample count and
 * whatever tensors the strategy adds. State the strategy keeps across rounds lives here and is
 * replaced only when an update is sent. A newer request supersedes one still training; the
 * superseded result is dropped. Asked to evaluate, it scores the global model on its evaluation
 * samples (its held-out part, or its training data).
 */
public final class FlClient extends AbstractBehavior<FlClient.Command> {

  /** What the client reacts to. */
  public sealed interface Command permits Delivered, TrainingDone, EvaluationDone {}

  /** A network message. */
  public record Delivered(Inbound inbound) implements Command {}

  /** Local training of (round, attempt) finished. */
  private record TrainingDone(
      int server, int round, int attempt, float[] start, ClientTraining.ClientFit fit, Throwable failure)
      implements Command {}

  private record EvaluationDone(int server, int round, Evaluation evaluation, Throwable failure) implements Command {}

  /**
   * What a client needs: its training samples, how to train, how its update is privatized, its
   * strategy's client side, the samples it evaluates the global model on when asked, and the
   * server's node id (requests from any other node are dropped).
   */
  public record Setup(Dataset data, int[] indices, ModelPool models, long seed, UpdatePrivacy privacy,
      ClientTraining training, int[] evalIndices, int server, SecAgg secagg, boolean passivate) {
    public Setup(Dataset data, int[] indices, ModelPool models, long seed, UpdatePrivacy privacy,
        ClientTraining training, int[] evalIndices, int server) {
      this(data, indices, models, seed, privacy, training, evalIndices, server, null, false);
    }

    /** The same setup, sending its updates under SecAgg+ (null: in the clear). */
    public Setup withSecAgg(SecAgg s) {
      return new Setup(data, indices, models, seed, privacy, training, evalIndices, server, s, passivate);
    }

    /**
     * The same setup, stopping whenever it is idle (no training or evaluation running, no SecAgg
     * round open): a runtime that starts clients when a message reaches them (the simulator)
     * then holds only those in the current round. Nothing is lost: every seed is derived from
     * the client id, round and attempt, and the strategy's state is saved in storage.
     */
    public Setup withPassivation() {
      return new Setup(data, indices, models, seed, privacy, training, evalIndices, server, secagg, true);
    }
    public Setup(Dataset data, int[] indices, ModelPool models, long seed, UpdatePrivacy privacy,
        ClientTraining training, int[] evalIndices) {
      this(data, indices, models, seed, privacy, training, evalIndices, 0);
    }

    public Setup(Dataset data, int[] indices, ModelPool models, long seed, UpdatePrivacy privacy) {
      this(data, indices, models, seed, privacy, ClientTraining.LOCAL, indices);
    }

    public Setup(Dataset data, int[] indices, ModelPool models, long seed) {
      this(data, indices, models, seed, new UpdatePrivacy.None());
    }
  }

  /**
   * SecAgg+ on the client: its sample count is capped at {@code maxWeight} (the bound the modulus
   * was sized for); {@code simulated} draws the round keys and seeds from the run seed so a
   * simulation repeats, a deployment from the system's {@link java.security.SecureRandom}.
   */
  public record SecAgg(long maxWeight, boolean simulated) {}

  private final NodePorts ports;
  private final Setup setup;
  private dev.starling.node.secagg.SecAggClientRound secRound;
  private long[] pendingInput; // trained before the neighbours' shares came
  private ModelUpdate pendingMeta;
  private int currentRound = -1;
  private int currentAttempt = -1;
  private java.util.SortedMap<String, float[]> state = new java.util.TreeMap<>();
  private int busy; // compute jobs submitted and not yet done
  private boolean revealed; // this SecAgg round's reveal was sent

  public static Behavior<Command> create(NodePorts ports, Setup setup) {
    return Behaviors.setup(ctx -> new FlClient(ctx, ports, setup));
  }

  private FlClient(ActorContext<Command> ctx, NodePorts ports, Setup setup) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    ports.network().bind(ctx.messageAdapter(Inbound.class, Delivered::new));
    ports.storage().load(dev.starling.node.wire.proto.ClientState.parser()).ifPresent(saved -> {
      java.util.TreeMap<String, float[]> restored = new java.util.TreeMap<>();
      for (var t : saved.getStateList()) {
        restored.put(t.getName(), Tensors.decode(t.getTensor(), t.getTensor().getLength()));
      }
      state = restored;
    });
  }

  /** This client, or stopped when it passivates and has nothing left to do. */
  private Behavior<Command> next() {
    boolean idle = busy == 0 && (secRound == null || revealed);
    return setup.passivate() && idle ? Behaviors.stopped() : this;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(TrainingDone.class, this::onTrainingDone)
        .onMessage(EvaluationDone.class, this::onEvaluationDone)
        .build();
  }

  private Behavior<Command> onDelivered(Delivered d) {
    Envelope env = d.inbound().envelope();
    if (d.inbound().from() != setup.server()) {
      ports.network().rejected(d.inbound().from(), "client {} dropped a {} from node {}: only the server (node {}) gives it work", ports.id(),
          env.getBodyCase(), d.inbound().from(), setup.server());
      return next();
    }
    if (env.getBodyCase() == Envelope.BodyCase.EVALUATE_REQUEST) {
      return onEvaluateRequest(d.inbound().from(), env.getEvaluateRequest());
    }
    switch (env.getBodyCase()) {
      case SECAGG_ROSTER, SECAGG_FORWARD, SECAGG_UNMASK -> {
        return onSecAgg(d.inbound().from(), env);
      }
      default -> { }
    }
    if (env.getBodyCase() != Envelope.BodyCase.TRAIN_REQUEST) {
      ports.network().rejected(d.inbound().from(), "client {} dropped unexpected {} from {}", ports.id(), env.getBodyCase(), d.inbound().from());
      return next();
    }
    TrainRequest req = env.getTrainRequest();
    float[] global;
    RoundConfig config;
    try {
      int numParams = setup.models().get().numParams();
      global = Tensors.decode(req.getModel(), numParams);
      config = RoundConfig.read(req, numParams);
    } catch (InvalidMessageException e) {
      ports.network().rejected(d.inbound().from(), "client {} dropped train request from {}: {}", ports.id(), d.inbound().from(), e.getMessage());
      return next();
    }
    int round = req.getRound();
    int attempt = req.getAttempt();
    currentRound = round;
    currentAttempt = attempt;
    int server = d.inbound().from();
    if (setup.secagg() != null) {
      java.security.SecureRandom rnd = setup.secagg().simulated()
          ? dev.starling.node.secagg.SecAggCrypto.seeded(Seeds.derive(setup.seed(), ports.id(), round, attempt, 0x5341L))
          : new java.security.SecureRandom();
      secRound = new dev.starling.node.secagg.SecAggClientRound(ports.id(), round, attempt, rnd);
      revealed = false;
      pendingInput = null;
      pendingMeta = null;
      ports.network().send(server, Envelope.newBuilder().setSecaggKeys(secRound.keys()));
    }
    long seed = Seeds.derive(setup.seed(), ports.id(), round, attempt);
    var models = setup.models();
    double flops = LocalTrainer.plannedSamples(setup.indices().length, models.training())
        * models.trainingFlopsPerSample();
    var self = getContext().getSelf();
    var before = state; // replaced, never changed in place, so the compute thread may read it
    busy++;
    ports.compute().submit(
        flops, // the model is the compute thread's own instance
        () -> setup.training().fit(new ClientTraining.FitTask(models.get(), global, setup.data(), setup.indices(),
            models.training(), seed, config, before)),
        (fit, failure) -> self.tell(new TrainingDone(server, round, attempt, global, fit, failure)));
    return next();
  }

  private Behavior<Command> onEvaluateRequest(int server, EvaluateRequest req) {
    float[] global;
    try {
      global = Tensors.decode(req.getModel(), setup.models().get().numParams());
    } catch (InvalidMessageException e) {
      ports.network().rejected(server, "client {} dropped evaluate request from {}: {}", ports.id(), server, e.getMessage());
      return next();
    }
    int round = req.getRound();
    var models = setup.models();
    int[] idx = setup.evalIndices();
    double flops = idx.length * models.trainingFlopsPerSample() / 3; // a forward pass
    var self = getContext().getSelf();
    busy++;
    ports.compute().submit(flops, () -> {
      var m = models.get();
      m.setParams(global);
      return m.evaluate(setup.data(), idx);
    }, (ev, failure) -> self.tell(new EvaluationDone(server, round, ev, failure)));
    return next();
  }

  private Behavior<Command> onEvaluationDone(EvaluationDone done) {
    busy--;
    if (done.failure() != null) {
      getContext().getLog().error("client {} failed to evaluate round {}", ports.id(), done.round(), done.failure());
      return next();
    }
    Evaluation ev = done.evaluation();
    ports.network().send(done.server(), Envelope.newBuilder().setEvaluateResult(EvaluateResult.newBuilder()
        .setRound(done.round()).setNumSamples(ev.samples()).setAccuracy(ev.accuracy()).setLoss(ev.loss())));
    return next();
  }

  private Behavior<Command> onTrainingDone(TrainingDone done) {
    busy--;
    if (done.failure() != null) {
      getContext().getLog().error("client {} failed to train round {}", ports.id(), done.round(), done.failure());
      return next();
    }
    if (done.round() != currentRound || done.attempt() != currentAttempt) {
      return next(); // superseded by a newer request
    }
    LocalTrainer.Result result = done.fit().result();
    if (!done.fit().state().equals(state)) {
      state = done.fit().state();
      var saved = state;
      ports.storage().save(() -> {
        var b = dev.starling.node.wire.proto.ClientState.newBuilder().setVersion(1);
        NamedTensors.write(saved, b::addState);
        return b.build();
      });
    }
    float[] local = result.params();
    float[] delta = new float[local.length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = local[i] - done.start()[i];
    }
    ModelUpdate.Builder update = ModelUpdate.newBuilder()
        .setRound(done.round())
        .setAttempt(done.attempt())
        .setDelta(setup.privacy().encode(delta, RandomSource.XO_RO_SHI_RO_128_PP.create(
            Seeds.derive(setup.seed(), ports.id(), done.round(), done.attempt(), 0x5052495641L))))
        .setNumSamples(result.samples())
        .setTrainLoss((float) result.meanLoss());
    NamedTensors.write(done.fit().tensors(), update::addTensors);
    if (setup.secagg() != null) {
      ModelUpdate u = update.build();
      long w = Math.min(u.getNumSamples(), setup.secagg().maxWeight());
      int[] z = Tensors.levelIndices(u.getDelta(), delta.length);
      long[] input = new long[z.length];
      for (int i = 0; i < z.length; i++) {
        input[i] = w * z[i];
      }
      pendingInput = input;
      pendingMeta = u.toBuilder().setNumSamples(w).build();
      sendMaskedIfReady(done.server());
      return next();
    }
    ports.network().send(done.server(), Envelope.newBuilder().setModelUpdate(update.build()));
    return next();
  }

  private Behavior<Command> onSecAgg(int server, Envelope env) {
    if (setup.secagg() == null || secRound == null) {
      ports.network().rejected(server, "client {} dropped {}: it is not in a SecAgg round", ports.id(), env.getBodyCase());
      return next();
    }
    var sa = secRound;
    int[] ra = dev.starling.node.secagg.SecAggCrypto.roundAndAttempt(env);
    int r = ra[0];
    int a = ra[1];
    if (r != sa.round() || a != sa.attempt()) {
      return next(); // another round or attempt
    }
    try {
      switch (env.getBodyCase()) {
        case SECAGG_ROSTER -> ports.network().send(server, Envelope.newBuilder().setSecaggShares(sa.onRoster(env.getSecaggRoster())));
        case SECAGG_FORWARD -> {
          sa.onForward(env.getSecaggForward());
          sendMaskedIfReady(server);
        }
        default -> {
          ports.network().send(server, Envelope.newBuilder().setSecaggReveal(sa.reveal(env.getSecaggUnmask())));
          revealed = true;
        }
      }
    } catch (InvalidMessageException e) {
      ports.network().rejected(server, "client {} rejected {} for round {}: {}", ports.id(), env.getBodyCase(), r, e.getMessage());
    }
    return next();
  }

  /** Sends the masked update once both the training and the neighbours' shares are done. */
  private void sendMaskedIfReady(int server) {
    if (pendingInput == null || secRound == null || !secRound.readyToMask()) {
      return;
    }
    int bits = secRound.modulusBits();
    long[] y = secRound.mask(pendingInput);
    ports.network().send(server, Envelope.newBuilder().setSecaggMasked(dev.starling.node.wire.proto.SecAggMasked.newBuilder()
        .setRound(pendingMeta.getRound()).setAttempt(pendingMeta.getAttempt()).setLength(y.length)
        .setMasked(dev.starling.node.secagg.Packing.pack(y, bits)).setNumSamples(pendingMeta.getNumSamples())
        .setTrainLoss(pendingMeta.getTrainLoss())));
    pendingInput = null;
  }
}
