package dev.starling.node.fl;

import dev.starling.node.runtime.Network;
import dev.starling.node.runtime.Seeds;
import dev.starling.node.secagg.Packing;
import dev.starling.node.secagg.SecAggServerRound;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.SecAggMasked;
import dev.starling.node.wire.proto.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The server's exact aggregation of level-index updates (RQM indices or the lattice codec's):
 * each client's indices weighted by its sample count are summed as integers and the sum decoded
 * once into the weighted mean update, so the result does not depend on any float summation order.
 * In the clear the server sums what it receives; under SecAgg+ (with {@code secagg} parameters) it
 * runs the protocol's stages and only ever sees the sum. Both give the same integers, hence the
 * same model, bit for bit.
 */
final class SecureAggregation {

  /** What a SecAgg message changed. */
  enum Event { NONE, INPUT, SUMMED }

  private enum Stage { KEYS, SHARES, INPUTS, UNMASK, DONE }

  private final FlServer.SecureSum cfg;
  private final int numParams;
  private final Network net;
  private final long seed;
  private final Map<Integer, long[]> clear = new TreeMap<>();
  private SecAggServerRound sa;
  private Stage stage = Stage.DONE;
  private long[] sum;

  SecureAggregation(FlServer.SecureSum cfg, int numParams, Network net, long seed) {
    this.cfg = cfg;
    this.numParams = numParams;
    this.net = net;
    this.seed = seed;
  }

  boolean masked() {
    return cfg.masked();
  }

  static boolean isSecAgg(Envelope.BodyCase c) {
    return switch (c) {
      case SECAGG_KEYS, SECAGG_SHARES, SECAGG_MASKED, SECAGG_REVEAL -> true;
      default -> false;
    };
  }

  /** A new round attempt with these invited clients. */
  void begin(int round, int attempt, List<Integer> invited) {
    clear.clear();
    sum = null;
    if (cfg.masked()) {
      sa = new SecAggServerRound(round, attempt, cfg.secagg(), Set.copyOf(invited));
      invitedSize = invited.size();
      stage = Stage.KEYS;
    }
  }

  /** Clear mode: a client's update, whose indices must be on the configured lattice. */
  void clearUpdate(int from, Tensor delta, long samples) {
    if (samples > cfg.maxWeight()) {
      throw new InvalidMessageException("num_samples " + samples + " above the largest client's " + cfg.maxWeight());
    }
    checkLattice(delta);
    int[] z = Tensors.levelIndices(delta, numParams);
    long[] w = new long[z.length];
    for (int i = 0; i < z.length; i++) {
      w[i] = samples * z[i];
    }
    clear.put(from, w);
  }

  void forget(int from) {
    clear.remove(from);
  }

  private void checkLattice(Tensor t) {
    if (!Tensors.isLattice(t) || t.getLevels() != cfg.levels() || t.getOuter() != cfg.outer()) {
      throw new InvalidMessageException("update of encoding " + t.getEncoding() + " with " + t.getLevels() + " levels and"
          + " outer " + t.getOuter() + " (this run sums level indices of " + cfg.levels() + " levels, outer " + cfg.outer()
          + ")");
    }
  }

  /**
   * Masked mode: one SecAgg message of the current attempt (the caller has checked round and
   * attempt). A masked input is recorded in {@code received} as the client's sample count and
   * loss (its delta stays with the protocol).
   */
  Event onMessage(int from, Envelope env, Map<Integer, ClientUpdate> received) {
    switch (env.getBodyCase()) {
      case SECAGG_KEYS -> {
        if (stage != Stage.KEYS) {
          return Event.NONE; // late: its stage is over
        }
        sa.onKeys(from, env.getSecaggKeys());
        if (sa.keysReceived() == invitedSize) {
          advance();
        }
      }
      case SECAGG_SHARES -> {
        if (stage != Stage.SHARES) {
          return Event.NONE; // late: its stage is over
        }
        sa.onShares(from, env.getSecaggShares());
        if (sa.sharesReceived() == rosterSize) {
          advance();
        }
      }
      case SECAGG_MASKED -> {
        if (stage != Stage.INPUTS) {
          return Event.NONE; // late: its stage is over
        }
        SecAggMasked m = env.getSecaggMasked();
        if (m.getLength() != numParams) {
          throw new InvalidMessageException("masked input of length " + Integer.toUnsignedString(m.getLength())
              + ", expected " + numParams);
        }
        if (m.getNumSamples() < 1 || m.getNumSamples() > cfg.maxWeight()) {
          throw new InvalidMessageException("num_samples " + Long.toUnsignedString(m.getNumSamples()) + " (allowed 1.."
              + cfg.maxWeight() + ")");
        }
        if (!Float.isFinite(m.getTrainLoss())) {
          throw new InvalidMessageException("train loss " + m.getTrainLoss() + " (NaN and Inf are rejected)");
        }
        long[] y = Packing.unpack(m.getMasked(), numParams, cfg.secagg().modulusBits());
        sa.onMasked(from, y);
        received.put(from, new ClientUpdate(from, null, m.getNumSamples(), m.getTrainLoss(), Map.of()));
        return Event.INPUT;
      }
      case SECAGG_REVEAL -> {
        if (stage != Stage.UNMASK) {
          return Event.NONE; // late: its stage is over
        }
        sa.onReveal(from, env.getSecaggReveal());
        if (sa.recoverable()) {
          sum = sa.sum();
          stage = Stage.DONE;
          return Event.SUMMED;
        }
      }
      default -> throw new IllegalArgumentException(env.getBodyCase().toString());
    }
    return Event.NONE;
  }

  private int invitedSize;
  private int rosterSize;

  /**
   * The key or share stage is over (all answered, or its timeout): the rosters or the forwarded
   * shares go out. Returns false when too few clients are left for a round (under 2 keys).
   */
  boolean advance() {
    switch (stage) {
      case KEYS -> {
        var rosters = sa.rosters(RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.derive(seed, sa.round(), sa.attempt(),
            0x5347L)));
        if (rosters == null) {
          stage = Stage.DONE;
          return false;
        }
        rosterSize = rosters.size();
        stage = Stage.SHARES;
        rosters.forEach((c, r) -> net.send(c, Envelope.newBuilder().setSecaggRoster(r)));
      }
      case SHARES -> {
        var forwards = sa.forwards();
        if (forwards.size() < 2) {
          stage = Stage.DONE;
          return false;
        }
        stage = Stage.INPUTS;
        forwards.forEach((c, f) -> net.send(c, Envelope.newBuilder().setSecaggForward(f)));
      }
      default -> {
        return true;
      }
    }
    return true;
  }

  /** Whether the current stage ends on a timeout of its own (keys, shares and unmasking do). */
  boolean stageTimed() {
    return stage == Stage.KEYS || stage == Stage.SHARES || stage == Stage.UNMASK;
  }

  boolean unmasking() {
    return stage == Stage.UNMASK;
  }

  /** Closes the input stage with the inputs that came: asks their senders to reveal. */
  void closeInputs(Set<Integer> survivors) {
    stage = Stage.UNMASK;
    sa.unmask(survivors).forEach((c, u) -> net.send(c, Envelope.newBuilder().setSecaggUnmask(u)));
  }

  /** The decoded weighted mean of the round's updates, as one update of the total weight. */
  ClientUpdate mean(Map<Integer, ClientUpdate> received) {
    long[] s;
    if (cfg.masked()) {
      s = sum;
    } else {
      s = new long[numParams];
      for (long[] w : clear.values()) {
        for (int i = 0; i < numParams; i++) {
          s[i] += w[i];
        }
      }
    }
    long total = 0;
    for (ClientUpdate u : received.values()) {
      total += u.samples();
    }
    float[] mean = new float[numParams];
    for (int i = 0; i < numParams; i++) {
      mean[i] = Tensors.levelValue((double) s[i] / total, cfg.levels(), cfg.outer());
    }
    return new ClientUpdate(0, mean, total, 0f, Map.of());
  }
}
