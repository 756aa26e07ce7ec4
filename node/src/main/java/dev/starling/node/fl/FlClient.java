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
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.TrainRequest;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * An FL client: trains the global model it is sent on its own data and answers with its update
 * {@code local - global} and its sample count. A newer request supersedes one still training; the
 * superseded result is dropped.
 */
public final class FlClient extends AbstractBehavior<FlClient.Command> {

  /** What the client reacts to. */
  public sealed interface Command permits Delivered, TrainingDone {}

  /** A network message. */
  public record Delivered(Inbound inbound) implements Command {}

  /** Local training of (round, attempt) finished. */
  private record TrainingDone(
      int server, int round, int attempt, float[] start, LocalTrainer.Result result, Throwable failure)
      implements Command {}

  /** What a client needs: its data shard, how to train, and how its update is privatized. */
  public record Setup(Dataset data, int[] indices, ModelPool models, long seed, UpdatePrivacy privacy) {
    public Setup(Dataset data, int[] indices, ModelPool models, long seed) {
      this(data, indices, models, seed, new UpdatePrivacy.None());
    }
  }

  private final NodePorts ports;
  private final Setup setup;
  private int currentRound = -1;
  private int currentAttempt = -1;

  public static Behavior<Command> create(NodePorts ports, Setup setup) {
    return Behaviors.setup(ctx -> new FlClient(ctx, ports, setup));
  }

  private FlClient(ActorContext<Command> ctx, NodePorts ports, Setup setup) {
    super(ctx);
    this.ports = ports;
    this.setup = setup;
    ports.network().bind(ctx.messageAdapter(Inbound.class, Delivered::new));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(TrainingDone.class, this::onTrainingDone)
        .build();
  }

  private Behavior<Command> onDelivered(Delivered d) {
    Envelope env = d.inbound().envelope();
    if (env.getBodyCase() != Envelope.BodyCase.TRAIN_REQUEST) {
      getContext().getLog().warn("client {} dropped unexpected {} from {}", ports.id(), env.getBodyCase(), d.inbound().from());
      return this;
    }
    TrainRequest req = env.getTrainRequest();
    float[] global;
    try {
      global = Tensors.decode(req.getModel(), setup.models().get().numParams());
    } catch (InvalidMessageException e) {
      getContext().getLog().warn("client {} dropped train request from {}: {}", ports.id(), d.inbound().from(), e.getMessage());
      return this;
    }
    int round = req.getRound();
    int attempt = req.getAttempt();
    currentRound = round;
    currentAttempt = attempt;
    int server = d.inbound().from();
    long seed = Seeds.derive(setup.seed(), ports.id(), round, attempt);
    var models = setup.models();
    double flops = LocalTrainer.plannedSamples(setup.indices().length, models.training())
        * models.spec().trainingFlopsPerSample();
    var self = getContext().getSelf();
    ports.compute().submit(
        flops,
        () -> LocalTrainer.train(models.get(), global, setup.data(), setup.indices(), models.training(), seed),
        (result, failure) -> self.tell(new TrainingDone(server, round, attempt, global, result, failure)));
    return this;
  }

  private Behavior<Command> onTrainingDone(TrainingDone done) {
    if (done.failure() != null) {
      getContext().getLog().error("client {} failed to train round {}", ports.id(), done.round(), done.failure());
      return this;
    }
    if (done.round() != currentRound || done.attempt() != currentAttempt) {
      return this; // superseded by a newer request
    }
    float[] local = done.result().params();
    float[] delta = new float[local.length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = local[i] - done.start()[i];
    }
    ModelUpdate update = ModelUpdate.newBuilder()
        .setRound(done.round())
        .setAttempt(done.attempt())
        .setDelta(setup.privacy().encode(delta, RandomSource.XO_RO_SHI_RO_128_PP.create(
            Seeds.derive(setup.seed(), ports.id(), done.round(), done.attempt(), 0x5052495641L))))
        .setNumSamples(done.result().samples())
        .setTrainLoss((float) done.result().meanLoss())
        .build();
    ports.network().send(done.server(), Envelope.newBuilder().setModelUpdate(update));
    return this;
  }
}
