package dev.starling.app.experiment;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.node.dl.PeerCommand;
import dev.starling.node.dl.PeerListener;
import dev.starling.node.wire.proto.PeerAggregated;
import dev.starling.node.wire.proto.PeerNote;
import dev.starling.node.wire.proto.PeerRoundDone;
import dev.starling.simulator.runtime.SimHarness;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * How serverless peers on a shard reach the run's metrics: their {@link PeerListener} calls
 * become {@code PeerNote}s the coordinator replays into the run's own listener, in the place they
 * had (see {@link SimHarness#note}); and the two commands the run gives peers (start, leave) as
 * signal numbers.
 */
final class PeerNotes {

  private PeerNotes() {}

  static final int START = 0;
  static final int LEAVE = 1;

  /** The peer command of signal {@code k}. */
  static Object signal(int k) {
    return switch (k) {
      case START -> new PeerCommand.Start();
      case LEAVE -> new PeerCommand.Leave();
      default -> throw new IllegalArgumentException("signal " + k + " (peers know 0 = start, 1 = leave)");
    };
  }

  /** A listener that notes every call on the shard {@code sim}. */
  static PeerListener noting(SimHarness sim) {
    return new PeerListener() {
      @Override
      public void aggregated(AggregationRecord r, float[] params) {
        sim.note(PeerNote.newBuilder().setAggregated(PeerAggregated.newBuilder().setRound(r.round())
            .setAggregator(r.aggregator()).addAllContributors(r.contributors()).addAllParticipants(r.participants())
            .setTimedOut(r.timedOut()).setTrainLoss(r.trainLoss()).setParams(bytes(params))).build().toByteArray());
      }

      @Override
      public void roundDone(int node, long round, float[] params, double trainLoss) {
        sim.note(PeerNote.newBuilder().setRoundDone(PeerRoundDone.newBuilder().setNode(node).setRound(round)
            .setTrainLoss(trainLoss).setParams(bytes(params))).build().toByteArray());
      }
    };
  }

  /** Replays a shard's note into {@code listener}. */
  static void replay(byte[] data, PeerListener listener) {
    PeerNote note;
    try {
      note = PeerNote.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a shard sent a malformed peer note: " + e.getMessage());
    }
    switch (note.getKindCase()) {
      case AGGREGATED -> {
        PeerAggregated a = note.getAggregated();
        listener.aggregated(new PeerListener.AggregationRecord(a.getRound(), a.getAggregator(), ids(a.getContributorsList()),
            ids(a.getParticipantsList()), a.getTimedOut(), a.getTrainLoss()), floats(a.getParams()));
      }
      case ROUND_DONE -> {
        PeerRoundDone d = note.getRoundDone();
        listener.roundDone(d.getNode(), d.getRound(), floats(d.getParams()), d.getTrainLoss());
      }
      case KIND_NOT_SET -> throw new IllegalStateException("a shard sent a peer note of no kind");
    }
  }

  private static List<Integer> ids(List<Integer> wire) {
    return List.copyOf(wire);
  }

  private static ByteString bytes(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return ByteString.copyFrom(b.array());
  }

  private static float[] floats(ByteString s) {
    if (s.size() % 4 != 0) {
      throw new IllegalStateException("a shard sent a model of " + s.size() + " bytes (not float32s)");
    }
    float[] v = new float[s.size() / 4];
    s.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return v;
  }
}
