package dev.starling.app.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import dev.starling.node.wire.proto.ShardCommand;
import dev.starling.node.wire.proto.ShardEffect;
import dev.starling.node.wire.proto.ShardInsert;
import dev.starling.node.wire.proto.ShardReply;
import dev.starling.simulator.runtime.Shards;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shard wire carries every command and effect through its protobuf bytes unchanged, and
 * refuses what a run cannot hold (node ids outside the run, unsigned ids that would turn
 * negative, negative times and delays, messages without a kind, non-finite counters) with a
 * message naming the value.
 */
class ShardWireTest {

  private static final Envelope UPDATE = Envelope.newBuilder().setSender(5).setSeq(9)
      .setModelUpdate(ModelUpdate.newBuilder().setRound(3).setNumSamples(17)).build();

  private static Shards.Command throughBytes(Shards.Command c) throws Exception {
    return ShardWire.decode(ShardCommand.parseFrom(ShardWire.encode(11, 4, c).toByteArray()), 10);
  }

  @Test
  void everyCommandAndEffectSurvivesItsBytes() throws Exception {
    for (Shards.Command c : List.of(new Shards.Run(123456789012L, 5), new Shards.Deliver(9, UPDATE, 6),
        new Shards.Start(3, 7), new Shards.Crash(0, 8), new Shards.Finish(9), new Shards.Tell(4, 1, 10))) {
      assertEquals(c, throughBytes(c));
    }
    Shards.Reply reply = new Shards.Reply(List.of(new Shards.Insert(0, 77), new Shards.Send(0, UPDATE), new Shards.Cancel(77),
        new Shards.Note(new byte[] {1, 2, 3}), new Shards.Insert(1_000_000_000L, 78)), 3, "node 5 failed", new Shards.Counters(1.5, 1.25, 4));
    ShardReply wire = ShardReply.parseFrom(ShardWire.encode(11, 4, 2, reply).toByteArray());
    assertEquals(11, wire.getRun());
    assertEquals(4, wire.getCall());
    assertEquals(2, wire.getIndex());
    assertEquals(reply, ShardWire.decode(wire, 10));
    Shards.Reply quiet = new Shards.Reply(List.of(), 0, null, null);
    Shards.Reply back = ShardWire.decode(ShardWire.encode(1, 1, 1, quiet), 10);
    assertEquals(null, back.failure());
    assertEquals(new Shards.Counters(0, 0, 0), back.counters());
  }

  private static void refused(String expected, Runnable decode) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, decode::run);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void refusesWhatTheRunCannotHold() {
    ShardCommand base = ShardWire.encode(1, 1, new Shards.Start(3, 0));
    refused("node 10 (the run has nodes 0..9)", () -> ShardWire.decode(base.toBuilder().setStart(10).build(), 10));
    refused("node 4294967295", () -> ShardWire.decode(base.toBuilder().setCrash(-1).build(), 10));
    refused("node 11", () -> ShardWire.decode(ShardWire.encode(1, 1, new Shards.Tell(11, 0, 0)), 10));
    refused("negative time -5", () -> ShardWire.decode(base.toBuilder().setTimeNanos(-5).build(), 10));
    refused("has no kind", () -> ShardWire.decode(base.toBuilder().clearKind().build(), 10));
    ShardReply ok = ShardWire.encode(1, 1, 1, new Shards.Reply(List.of(), 0, null, null));
    refused("-3 ns in the past", () -> ShardWire.decode(ok.toBuilder().addEffects(ShardEffect.newBuilder()
        .setInsert(ShardInsert.newBuilder().setDelayNanos(-3).setAction(1))).build(), 10));
    refused("no kind", () -> ShardWire.decode(ok.toBuilder().addEffects(ShardEffect.getDefaultInstance()).build(), 10));
    refused("node 12", () -> ShardWire.decode(ShardWire.encode(1, 1, 1, new Shards.Reply(List.of(new Shards.Send(12, UPDATE)),
        0, null, null)), 10));
    refused("NaN", () -> ShardWire.decode(ok.toBuilder().setBusySeconds(Double.NaN).build(), 10));
  }
}
