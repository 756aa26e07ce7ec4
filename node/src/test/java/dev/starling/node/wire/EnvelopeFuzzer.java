package dev.starling.node.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.node.runtime.ScriptedRuntime;
import dev.starling.node.wire.proto.Advertise;
import dev.starling.node.wire.proto.AggAck;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.EvaluateRequest;
import dev.starling.node.wire.proto.EvaluateResult;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.NamedTensor;
import dev.starling.node.wire.proto.OuterAverage;
import dev.starling.node.wire.proto.OuterGradient;
import dev.starling.node.wire.proto.PeerModel;
import dev.starling.node.wire.proto.PeerModelKind;
import dev.starling.node.wire.proto.PeerView;
import dev.starling.node.wire.proto.Ping;
import dev.starling.node.wire.proto.Pong;
import dev.starling.node.wire.proto.RunDone;
import dev.starling.node.wire.proto.Tensor;
import dev.starling.node.wire.proto.TrainRequest;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Envelopes a faulty or hostile peer could send, for fuzzing the roles: random messages of every
 * body type with boundary values (0, -1, 2^31 - 1, 2^32 - 1 as unsigned, 2^63 - 1, NaN, +-Inf,
 * huge length claims, tensors whose bytes do not match their header, views whose columns disagree),
 * one-field mutations of a role's own valid messages, and valid messages with random bytes
 * flipped or cut that still parse. Deterministic for a seed.
 */
public final class EnvelopeFuzzer {

  private static final int[] INTS = {0, 1, 2, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, 255, 65536};
  private static final long[] LONGS = {0, 1, 2, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 4294967295L, 1000};
  private static final float[] FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
      Float.MAX_VALUE, Float.MIN_VALUE, 1e30f, -1e30f, 1f, -1f, 0.5f};

  private final SplittableRandom random;
  private final int params;
  private final List<Envelope> corpus;
  private final java.util.Set<Object> held = new java.util.HashSet<>();

  /**
   * @param params the role's model size (tensors near it are the interesting ones)
   * @param corpus valid messages the role expects, to mutate
   */
  public EnvelopeFuzzer(long seed, int params, List<Envelope> corpus) {
    this.random = new SplittableRandom(seed);
    this.params = params;
    this.corpus = List.copyOf(corpus);
  }

  /**
   * Never fires the timers under {@code keys}: those that end a role on purpose when its peers go
   * silent (a replica whose reducer sends nothing), which is no message's doing.
   */
  public EnvelopeFuzzer holding(Object... keys) {
    held.addAll(List.of(keys));
    return this;
  }

  /**
   * Delivers {@code cases} fuzzed envelopes to the role from random senders among
   * {@code senders}, finishing its jobs and firing its timers now and then, and fails (with the
   * case) if the role throws or stops. Returns how many messages the role rejected: what its
   * network port counted, which a run reports as {@code messages_rejected}.
   */
  public <T> long run(ScriptedRuntime<T> rt, int cases, int... senders) {
    for (int i = 0; i < cases; i++) {
      Envelope e = next();
      int from = senders[random.nextInt(senders.length)];
      try {
        rt.deliver(from, e);
        if (random.nextInt(8) == 0) {
          rt.finishJobs();
        }
        if (random.nextInt(16) == 0) {
          List<Object> timers = rt.pendingTimers().stream().filter(k -> !held.contains(k)).toList();
          if (!timers.isEmpty()) {
            rt.advance(random.nextDouble() * 10);
            rt.fire(timers.get(random.nextInt(timers.size())));
          }
        }
      } catch (RuntimeException | Error t) {
        throw new AssertionError("case " + i + " from node " + from + " crashed the role: " + t + "\n" + e, t);
      }
      if (!rt.alive()) {
        throw new AssertionError("case " + i + " from node " + from + " stopped the role:\n" + e);
      }
      rt.takeSent();
    }
    rt.finishJobs();
    return rt.rejections().size();
  }

  /** One fuzzed envelope. */
  public Envelope next() {
    int how = corpus.isEmpty() ? 0 : random.nextInt(3);
    if (how == 2) {
      for (int attempt = 0; attempt < 8; attempt++) {
        Envelope bytes = flipped(corpus.get(random.nextInt(corpus.size())));
        if (bytes != null) {
          return bytes;
        }
      }
    }
    if (how >= 1) {
      return mutated(corpus.get(random.nextInt(corpus.size())));
    }
    return randomEnvelope();
  }

  private Envelope flipped(Envelope base) {
    byte[] b = base.toByteArray();
    if (b.length == 0) {
      return null;
    }
    int n = 1 + random.nextInt(4);
    for (int k = 0; k < n; k++) {
      b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
    }
    int len = random.nextInt(4) == 0 ? random.nextInt(b.length + 1) : b.length;
    try {
      return Envelope.parseFrom(ByteString.copyFrom(b, 0, len));
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private Envelope mutated(Envelope base) {
    Envelope.Builder e = base.toBuilder();
    switch (base.getBodyCase()) {
      case TRAIN_REQUEST -> {
        TrainRequest.Builder t = e.getTrainRequestBuilder();
        switch (random.nextInt(5)) {
          case 0 -> t.setRound(anyInt());
          case 1 -> t.setAttempt(anyInt());
          case 2 -> t.setModel(tensor());
          case 3 -> t.putConfig(name(), anyFloat());
          default -> t.addConfigTensors(NamedTensor.newBuilder().setName(name()).setTensor(tensor()));
        }
      }
      case MODEL_UPDATE -> {
        ModelUpdate.Builder u = e.getModelUpdateBuilder();
        switch (random.nextInt(6)) {
          case 0 -> u.setRound(anyInt());
          case 1 -> u.setAttempt(anyInt());
          case 2 -> u.setDelta(tensor());
          case 3 -> u.setNumSamples(anyLong());
          case 4 -> u.setTrainLoss(anyFloat());
          default -> u.addTensors(NamedTensor.newBuilder().setName(name()).setTensor(tensor()));
        }
      }
      case PEER_MODEL -> {
        PeerModel.Builder p = e.getPeerModelBuilder();
        switch (random.nextInt(7)) {
          case 0 -> p.setRound(anyLong());
          case 1 -> p.setModel(tensor());
          case 2 -> p.setView(view());
          case 3 -> p.setAge(anyLong());
          case 4 -> p.setDegree(anyInt());
          case 5 -> p.setTrainLoss(anyFloat());
          default -> p.setKindValue(random.nextInt(7));
        }
      }
      case OUTER_GRADIENT -> {
        OuterGradient.Builder g = e.getOuterGradientBuilder();
        switch (random.nextInt(4)) {
          case 0 -> g.setFragment(anyInt());
          case 1 -> g.setSync(anyLong());
          case 2 -> g.setDelta(tensor());
          default -> g.setTrainLoss(anyFloat());
        }
      }
      case OUTER_AVERAGE -> {
        OuterAverage.Builder g = e.getOuterAverageBuilder();
        switch (random.nextInt(4)) {
          case 0 -> g.setFragment(anyInt());
          case 1 -> g.setSync(anyLong());
          case 2 -> g.setAverage(tensor());
          default -> g.setParticipants(anyInt());
        }
      }
      case EVALUATE_REQUEST -> e.getEvaluateRequestBuilder().setRound(anyInt()).setModel(tensor());
      case EVALUATE_RESULT -> e.getEvaluateResultBuilder().setRound(anyInt()).setNumSamples(anyLong())
          .setAccuracy(anyFloat()).setLoss(anyFloat());
      case PING -> e.getPingBuilder().setRound(anyLong()).setMembership(anyLong());
      case PONG -> e.getPongBuilder().setRound(anyLong()).setMembership(anyLong()).setNonce(anyLong());
      case ADVERTISE -> e.getAdvertiseBuilder().setRound(anyLong()).setMembership(anyLong()).setLeave(random.nextBoolean());
      case AGG_ACK -> e.getAggAckBuilder().setRound(anyLong()).setSuccess(random.nextBoolean());
      case OUTER_STATE -> {
        var st = e.getOuterStateBuilder();
        switch (random.nextInt(4)) {
          case 0 -> st.setFragment(anyInt());
          case 1 -> st.setSync(anyLong());
          case 2 -> st.setParams(tensor());
          default -> st.setMomentum(tensor());
        }
      }
      default -> {
        return randomEnvelope();
      }
    }
    return e.build();
  }

  private Envelope randomEnvelope() {
    Envelope.Builder e = Envelope.newBuilder();
    switch (random.nextInt(15)) {
      case 0 -> e.setTrainRequest(TrainRequest.newBuilder().setRound(anyInt()).setAttempt(anyInt()).setModel(tensor()));
      case 1 -> e.setModelUpdate(ModelUpdate.newBuilder().setRound(anyInt()).setAttempt(anyInt()).setDelta(tensor())
          .setNumSamples(anyLong()).setTrainLoss(anyFloat()));
      case 2 -> e.setOuterGradient(OuterGradient.newBuilder().setFragment(anyInt()).setSync(anyLong()).setDelta(tensor())
          .setTrainLoss(anyFloat()));
      case 3 -> e.setOuterAverage(OuterAverage.newBuilder().setFragment(anyInt()).setSync(anyLong()).setAverage(tensor())
          .setParticipants(anyInt()));
      case 4 -> e.setPeerModel(PeerModel.newBuilder().setKind(PeerModelKind.forNumber(random.nextInt(5)))
          .setRound(anyLong()).setModel(tensor()).setView(view()).setAge(anyLong()).setDegree(anyInt())
          .setTrainLoss(anyFloat()));
      case 5 -> e.setPing(Ping.newBuilder().setRound(anyLong()).setMembership(anyLong()).setNonce(anyLong()));
      case 6 -> e.setPong(Pong.newBuilder().setRound(anyLong()).setMembership(anyLong()).setNonce(anyLong()));
      case 7 -> e.setAdvertise(Advertise.newBuilder().setRound(anyLong()).setMembership(anyLong())
          .setLeave(random.nextBoolean()));
      case 8 -> e.setAggAck(AggAck.newBuilder().setRound(anyLong()).setSuccess(random.nextBoolean()));
      case 9 -> e.setRunDone(RunDone.newBuilder().setRounds(anyInt()).setReason(name()));
      case 10 -> e.setEvaluateRequest(EvaluateRequest.newBuilder().setRound(anyInt()).setModel(tensor()));
      case 11 -> e.setEvaluateResult(EvaluateResult.newBuilder().setRound(anyInt()).setNumSamples(anyLong())
          .setAccuracy(anyFloat()).setLoss(anyFloat()));
      case 12 -> e.setOuterStateRequest(dev.starling.node.wire.proto.OuterStateRequest.getDefaultInstance());
      case 13 -> e.setOuterState(dev.starling.node.wire.proto.OuterState.newBuilder().setFragment(anyInt())
          .setSync(anyLong()).setParams(tensor()).setMomentum(tensor()));
      default -> { } // no body at all
    }
    return e.build();
  }

  /** A tensor whose header and bytes may or may not agree. */
  private Tensor tensor() {
    int len = switch (random.nextInt(4)) {
      case 0 -> params;
      case 1 -> anyInt();
      case 2 -> random.nextInt(2 * params + 2);
      default -> params + (random.nextBoolean() ? 1 : -1);
    };
    int encoding = random.nextInt(8); // 6, 7: values no release defines
    Tensor.Builder t = Tensor.newBuilder().setLength(len).setEncodingValue(encoding);
    int bytes = switch (random.nextInt(3)) {
      case 0 -> 4 * params;
      case 1 -> random.nextInt(4 * params + 9);
      default -> Math.max(0, Math.min(1 << 16, 4 * len));
    };
    byte[] data = new byte[bytes];
    for (int i = 0; i + 3 < bytes; i += 4) {
      int bits = random.nextInt(4) == 0 ? Float.floatToRawIntBits(anyFloat()) : Float.floatToRawIntBits(
          (float) random.nextGaussian());
      data[i] = (byte) bits;
      data[i + 1] = (byte) (bits >> 8);
      data[i + 2] = (byte) (bits >> 16);
      data[i + 3] = (byte) (bits >> 24);
    }
    t.setData(ByteString.copyFrom(data));
    if (random.nextInt(3) == 0) {
      t.setLevels(anyInt()).setOuter(anyFloat());
    }
    if (random.nextInt(3) == 0) {
      t.setBlockSize(anyInt());
      byte[] scales = new byte[4 * random.nextInt(8)];
      t.setScales(ByteString.copyFrom(scales));
    }
    if (random.nextInt(10) == 0) {
      t.setAttachment(anyInt());
    }
    return t.build();
  }

  /** A MoDeST view whose columns may disagree in length and whose ids may overflow. */
  private PeerView view() {
    PeerView.Builder v = PeerView.newBuilder();
    int n = random.nextInt(12);
    for (int i = 0; i < n; i++) {
      v.addIdGaps(random.nextInt(3) == 0 ? anyInt() : random.nextInt(4));
    }
    int m = random.nextInt(3) == 0 ? random.nextInt(12) : n;
    for (int i = 0; i < m; i++) {
      v.addLastActive(random.nextInt(3) == 0 ? anyInt() : random.nextInt(5) - 1);
      v.addMembership(random.nextInt(3) == 0 ? anyInt() : random.nextInt(3));
    }
    v.setLeave(ByteString.copyFrom(new byte[random.nextInt(3)]));
    return v.build();
  }

  private int anyInt() {
    return random.nextInt(3) == 0 ? random.nextInt() : INTS[random.nextInt(INTS.length)];
  }

  private long anyLong() {
    return random.nextInt(3) == 0 ? random.nextLong() : LONGS[random.nextInt(LONGS.length)];
  }

  private float anyFloat() {
    return FLOATS[random.nextInt(FLOATS.length)];
  }

  private String name() {
    String[] names = {"", "c", "control", "x".repeat(300), "\u0000", "delta"};
    return names[random.nextInt(names.length)];
  }
}
