package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Encoding;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.Tensor;
import dev.starling.node.wire.proto.TrainRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FrameAssemblerTest {

  private static final int CHUNK = 1024;

  private static FrameAssembler assembler() {
    return new FrameAssembler(CHUNK, 1 << 20, 1 << 20, id -> id >= 0 && id < 4);
  }

  private static Envelope envelope(int sender, int floats) {
    float[] p = new float[floats];
    for (int i = 0; i < floats; i++) {
      p[i] = i * 0.5f;
    }
    return Envelope.newBuilder().setSender(sender).setSeq(3)
        .setTrainRequest(TrainRequest.newBuilder().setRound(2).setModel(Tensors.fp32(p))).build();
  }

  @Test
  void splitsAndReassemblesInterleavedTransfers() {
    Envelope a = envelope(1, 2000); // 8 KB: 8 frames
    Envelope b = envelope(2, 700);
    List<Frame> fa = FrameAssembler.split(1, 10, a.toByteArray(), CHUNK);
    List<Frame> fb = FrameAssembler.split(2, 10, b.toByteArray(), CHUNK);
    assertEquals((a.getSerializedSize() + CHUNK - 1) / CHUNK, fa.size());
    FrameAssembler asm = assembler();
    Optional<Envelope> gotB = Optional.empty();
    for (int i = 0; i < fa.size() - 1; i++) {
      assertTrue(asm.accept(fa.get(i), 0).isEmpty());
      if (i < fb.size()) {
        Optional<Envelope> e = asm.accept(fb.get(i), 0);
        if (e.isPresent()) {
          gotB = e;
        }
      }
    }
    assertEquals(b, gotB.orElseThrow());
    assertEquals(a, asm.accept(fa.get(fa.size() - 1), 0).orElseThrow());
    assertEquals(0, asm.pendingBytes());
  }

  @Test
  void rejectsWhatTheNetworkMustNotBeTrustedWith() {
    FrameAssembler asm = assembler();
    byte[] bytes = envelope(1, 600).toByteArray();
    List<Frame> frames = FrameAssembler.split(1, 5, bytes, CHUNK);
    Frame first = frames.get(0);
    var e1 = assertThrows(InvalidMessageException.class, () -> asm.accept(first.toBuilder().setSender(9).build(), 0));
    assertTrue(e1.getMessage().contains("unknown sender 9"));
    var e2 = assertThrows(InvalidMessageException.class,
        () -> asm.accept(first.toBuilder().setTotalBytes(1L << 40).build(), 0));
    assertTrue(e2.getMessage().contains("allowed up to"));
    var e3 = assertThrows(InvalidMessageException.class, () -> asm.accept(first.toBuilder().setCount(99).build(), 0));
    assertTrue(e3.getMessage().contains("frame count 99"));
    var e4 = assertThrows(InvalidMessageException.class,
        () -> asm.accept(first.toBuilder().setData(ByteString.copyFrom(new byte[10])).build(), 0));
    assertTrue(e4.getMessage().contains("carries 10 bytes"));
    var e5 = assertThrows(InvalidMessageException.class, () -> asm.accept(frames.get(1), 0));
    assertTrue(e5.getMessage().contains("without its start"));
    // out of order drops the transfer
    asm.accept(frames.get(0), 0);
    assertThrows(InvalidMessageException.class, () -> asm.accept(frames.get(2), 0));
    assertEquals(0, asm.pendingBytes());
    // garbage that is not an Envelope
    byte[] junk = new byte[40];
    java.util.Arrays.fill(junk, (byte) 0xFF);
    var e6 = assertThrows(InvalidMessageException.class,
        () -> asm.accept(FrameAssembler.split(1, 6, junk, CHUNK).get(0), 0));
    assertTrue(e6.getMessage().contains("malformed envelope"));
    // an envelope claiming another sender than its frames
    var e7 = assertThrows(InvalidMessageException.class,
        () -> asm.accept(FrameAssembler.split(2, 7, envelope(1, 10).toByteArray(), CHUNK).get(0), 0));
    assertTrue(e7.getMessage().contains("claims sender 1"));
  }

  @Test
  void boundsUnfinishedTransfersAndExpiresStaleOnes() {
    FrameAssembler asm = new FrameAssembler(CHUNK, 8 * CHUNK, 8 * CHUNK, id -> true);
    byte[] big = new byte[6 * CHUNK];
    asm.accept(FrameAssembler.split(1, 1, big, CHUNK).get(0), 100);
    assertEquals(6 * CHUNK, asm.pendingBytes());
    var e = assertThrows(InvalidMessageException.class, () -> asm.accept(FrameAssembler.split(2, 1, big, CHUNK).get(0), 200));
    assertTrue(e.getMessage().contains("unfinished transfers"));
    assertEquals(0, asm.expire(50));
    assertEquals(1, asm.expire(150));
    assertEquals(0, asm.pendingBytes());
    asm.accept(FrameAssembler.split(2, 1, big, CHUNK).get(0), 200); // room again
  }

  @Test
  void aSenderHoldsAtMostOneUnfinishedTransferAndProgressKeepsItAlive() {
    FrameAssembler asm = new FrameAssembler(CHUNK, 8 * CHUNK, 16 * CHUNK, id -> true);
    byte[] big = new byte[6 * CHUNK];
    List<Frame> first = FrameAssembler.split(1, 1, big, CHUNK);
    asm.accept(first.get(0), 100);
    asm.accept(FrameAssembler.split(1, 2, big, CHUNK).get(0), 110); // the same sender starts its next transfer
    assertEquals(6 * CHUNK, asm.pendingBytes(), "the first can never finish, so it is let go");
    var e = assertThrows(InvalidMessageException.class, () -> asm.accept(first.get(1), 120));
    assertTrue(e.getMessage().contains("without its start"), e.getMessage());
    // A transfer that keeps sending frames is not stalled, however long it takes in all; one that stops is.
    FrameAssembler asm2 = new FrameAssembler(CHUNK, 16 * CHUNK, 16 * CHUNK, id -> true);
    Envelope env = envelope(2, 2000);
    List<Frame> slow = FrameAssembler.split(2, 7, env.toByteArray(), CHUNK);
    for (int i = 0; i < slow.size() - 1; i++) {
      assertTrue(asm2.accept(slow.get(i), 100L * i).isEmpty());
      assertEquals(0, asm2.expire(100L * i - 50), "not stalled at frame " + i);
    }
    assertEquals(env, asm2.accept(slow.get(slow.size() - 1), 100L * slow.size()).orElseThrow());
    asm2.accept(slow.get(0), 5000);
    assertEquals(1, asm2.expire(5001));
    assertEquals(0, asm2.pendingBytes());
  }

  private static Envelope bigEnvelope(byte[] behind) {
    return Envelope.newBuilder().setSender(1).setSeq(9).setTrainRequest(TrainRequest.newBuilder().setRound(4)
        .setModel(Tensor.newBuilder().setLength(behind.length / 4).setEncoding(Encoding.FP32)
            .setData(UnsafeByteOperations.unsafeWrap(behind)))).build();
  }

  @Test
  void encodingReferencesLargeTensorBytesInsteadOfCopyingThem() {
    byte[] behind = new byte[200_000];
    Arrays.fill(behind, (byte) 3);
    Envelope env = bigEnvelope(behind);
    FrameAssembler.Encoded enc = FrameAssembler.encode(env);
    ByteString bytes = enc.bytes();
    assertEquals(ByteString.copyFrom(behind), bytes.substring(bytes.size() - behind.length));
    // The tensor's bytes are a view: a change to the array behind them shows in the encoding.
    int last = bytes.size() - 1;
    assertEquals(3, bytes.byteAt(last));
    behind[behind.length - 1] = 77;
    assertEquals(77, bytes.byteAt(last));
    // Small envelopes are encoded as they are, without parts.
    Envelope small = envelope(2, 10);
    FrameAssembler.Encoded plain = FrameAssembler.encode(small);
    assertEquals(small.toByteString(), plain.bytes());
    assertTrue(plain.parts().isEmpty());
  }

  @Test
  void largeTensorsTravelAsAttachmentsAndArriveAsViewsOfTheFrames() {
    byte[] behind = new byte[200_000];
    for (int i = 0; i < behind.length; i++) {
      behind[i] = (byte) (i * 7);
    }
    Envelope env = bigEnvelope(behind);
    FrameAssembler.Encoded enc = FrameAssembler.encode(env);
    assertEquals(2, enc.parts().size());
    assertEquals(behind.length, enc.parts().get(1));
    assertEquals(enc.bytes().size(), enc.parts().get(0) + enc.parts().get(1));
    int chunk = 64 * 1024;
    List<Frame> frames = FrameAssembler.split(1, 3, enc, chunk);
    assertEquals(4, frames.size());
    assertEquals(enc.parts(), frames.get(0).getPartsList());
    assertTrue(frames.get(1).getPartsList().isEmpty());
    // As a receiver sees them: each frame's payload a fresh array of its own.
    List<byte[]> received = new ArrayList<>();
    List<Frame> wire = new ArrayList<>();
    for (Frame f : frames) {
      byte[] payload = f.getData().toByteArray();
      received.add(payload);
      wire.add(f.toBuilder().setData(UnsafeByteOperations.unsafeWrap(payload)).build());
    }
    FrameAssembler asm = new FrameAssembler(chunk, 1 << 20, 1 << 20, id -> id == 1);
    Optional<Envelope> got = Optional.empty();
    for (Frame f : wire) {
      got = asm.accept(f, 0);
    }
    Envelope e = got.orElseThrow();
    assertEquals(env, e);
    assertEquals(0, e.getTrainRequest().getModel().getAttachment());
    assertEquals(0, asm.pendingBytes());
    byte[] lastFrame = received.get(received.size() - 1);
    lastFrame[lastFrame.length - 1] ^= 1; // the tensor is a view of the frames: no copy was made
    ByteString data = e.getTrainRequest().getModel().getData();
    assertEquals(lastFrame[lastFrame.length - 1], data.byteAt(data.size() - 1));
    // It decodes like the original, floats split across frames included.
    lastFrame[lastFrame.length - 1] ^= 1;
    assertArrayEquals(Tensors.decode(env.getTrainRequest().getModel(), behind.length / 4),
        Tensors.decode(e.getTrainRequest().getModel(), behind.length / 4));
  }

  @Test
  void refusesAttachmentsThatDoNotAddUp() {
    byte[] behind = new byte[100_000];
    Envelope env = bigEnvelope(behind);
    FrameAssembler.Encoded enc = FrameAssembler.encode(env);
    long skeleton = enc.parts().get(0);
    FrameAssembler asm = new FrameAssembler(1 << 20, 1 << 20, 1 << 20, id -> id == 1);
    Frame good = FrameAssembler.split(1, 1, enc, 1 << 20).get(0);
    // Parts that do not add up to the frame's size, too few, or on a later frame.
    for (List<Long> parts : List.of(List.of(skeleton, 99_999L), List.of(skeleton + 100_000L), List.of(-1L, skeleton + 100_001L))) {
      Frame bad = good.toBuilder().clearParts().addAllParts(parts).build();
      assertThrows(InvalidMessageException.class, () -> asm.accept(bad, 0), parts.toString());
    }
    // A tensor that names an attachment that was not sent, or no tensor claiming one that was.
    Envelope stray = env.toBuilder().setTrainRequest(env.getTrainRequest().toBuilder()
        .setModel(env.getTrainRequest().getModel().toBuilder().clearData().setAttachment(2))).build();
    var e = assertThrows(InvalidMessageException.class,
        () -> asm.accept(FrameAssembler.split(1, 2, stray.toByteArray(), 1 << 20).get(0), 0));
    assertTrue(e.getMessage().contains("attachment 2"), e.getMessage());
    ByteString skeletonBytes = enc.bytes().substring(0, (int) skeleton);
    Envelope unclaimed = Envelope.newBuilder().setSender(1).setPong(dev.starling.node.wire.proto.Pong.newBuilder()).build();
    ByteString both = unclaimed.toByteString().concat(ByteString.copyFrom(behind));
    Frame orphan = FrameAssembler.split(1, 3,
        new FrameAssembler.Encoded(both, List.of((long) unclaimed.getSerializedSize(), (long) behind.length)), 1 << 20).get(0);
    e = assertThrows(InvalidMessageException.class, () -> asm.accept(orphan, 0));
    assertTrue(e.getMessage().contains("claimed by no tensor"), e.getMessage());
    // Data and an attachment index in one tensor.
    Envelope twice = env.toBuilder().setTrainRequest(env.getTrainRequest().toBuilder()
        .setModel(env.getTrainRequest().getModel().toBuilder().setData(ByteString.copyFrom(new byte[8])).setAttachment(1)))
        .build();
    Frame dup = FrameAssembler.split(1, 4, new FrameAssembler.Encoded(twice.toByteString().concat(ByteString.copyFrom(behind)),
        List.of((long) twice.getSerializedSize(), (long) behind.length)), 1 << 20).get(0);
    e = assertThrows(InvalidMessageException.class, () -> asm.accept(dup, 0));
    assertTrue(e.getMessage().contains("carries data"), e.getMessage());
    assertEquals(env, asm.accept(good, 0).orElseThrow()); // the good one still goes through
    assertTrue(skeletonBytes.size() < 100);
  }

  @Test
  void parsedTensorsAreViewsOfTheReceivedBytes() throws Exception {
    byte[] wire = envelope(1, 200).toByteArray(); // one frame
    Envelope got = assembler().accept(FrameAssembler.split(1, 1, wire, CHUNK).get(0), 0).orElseThrow();
    ByteString data = got.getTrainRequest().getModel().getData();
    int at = wire.length - data.size(); // the tensor's data is the last field on the wire
    wire[at] ^= 0x5a;
    assertEquals(wire[at], data.byteAt(0)); // aliased, not copied
  }

  @Test
  void everyFrameIsCheckedBeforeAnythingIsKeptForIt() {
    Envelope env = envelope(1, 2000);
    FrameAssembler.Encoded enc = FrameAssembler.encode(env);
    List<Frame> frames = new ArrayList<>();
    for (Frame f : FrameAssembler.split(1, 9, enc, CHUNK)) {
      frames.add(f.toBuilder().setMac(ByteString.copyFromUtf8("mac-" + f.getIndex())).build());
    }
    List<Integer> seen = new ArrayList<>();
    FrameAssembler checked = new FrameAssembler(CHUNK, 1 << 20, 1 << 20, id -> id >= 0 && id < 4, f -> {
      seen.add(f.getIndex());
      if (!f.getMac().equals(ByteString.copyFromUtf8("mac-" + f.getIndex()))) {
        throw new InvalidMessageException("bad mac");
      }
    });
    Optional<Envelope> got = Optional.empty();
    for (Frame f : frames) {
      got = checked.accept(f, 0);
    }
    assertEquals(env, got.orElseThrow());
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < frames.size(); i++) {
      all.add(i);
    }
    assertEquals(all, seen, "every frame went through the check, in order");
    // A frame that fails its check is refused, and the transfer it claims to belong to goes on.
    for (int i = 0; i < 3; i++) {
      assertTrue(checked.accept(frames.get(i), 0).isEmpty());
    }
    long held = checked.pendingBytes();
    Frame forged = frames.get(3).toBuilder().setMac(ByteString.copyFromUtf8("forged")).build();
    assertThrows(InvalidMessageException.class, () -> checked.accept(forged, 0));
    assertEquals(held, checked.pendingBytes());
    for (int i = 3; i < frames.size(); i++) {
      got = checked.accept(frames.get(i), 0);
    }
    assertEquals(env, got.orElseThrow());
  }

  /**
   * The attack the per-frame MAC closes: a member holding a valid certificate of its own (node 2)
   * sends frames claiming node 1's transfer, a fresh frame 0 (which used to restart or supersede
   * it) and an out-of-order frame (which used to abort it). Node 1's transfer still completes.
   */
  @Test
  void framesForgedByAnotherMemberCannotDisturbATransferInFlight(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    Keys.make(dir, 3, "ip:127.0.0.1", 2);
    Identity receiver = Identity.load(Keys.forNode(dir, 0));
    Identity sender = Identity.load(Keys.forNode(dir, 1));
    Identity attacker = Identity.load(Keys.forNode(dir, 2));
    receiver.verify(ByteString.copyFrom(sender.certificate()), "test");
    receiver.verify(ByteString.copyFrom(attacker.certificate()), "test");
    Identity.Peer toReceiver = sender.verify(ByteString.copyFrom(receiver.certificate()), "test");
    Identity.Peer attackerToReceiver = attacker.verify(ByteString.copyFrom(receiver.certificate()), "test");
    FrameAssembler asm = new FrameAssembler(CHUNK, 1 << 20, 1 << 20, id -> id >= 0 && id < 3, f -> {
      if (!Identity.same(Identity.frameMac(receiver.peer(f.getSender()), 0, f), f.getMac())) {
        throw new InvalidMessageException("bad mac");
      }
    });
    Envelope env = envelope(1, 2000);
    List<Frame> real = new ArrayList<>();
    for (Frame f : FrameAssembler.split(1, 5, FrameAssembler.encode(env), CHUNK)) {
      real.add(f.toBuilder().setMac(ByteString.copyFrom(Identity.frameMac(toReceiver, 0, f))).build());
    }
    Envelope fake = envelope(1, 3000);
    List<Frame> forged = new ArrayList<>();
    for (long transfer : new long[] {5, 6}) { // the same transfer id, and a "next" transfer of node 1
      for (Frame f : FrameAssembler.split(1, transfer, FrameAssembler.encode(fake), CHUNK)) {
        forged.add(f.toBuilder().setMac(ByteString.copyFrom(Identity.frameMac(attackerToReceiver, 0, f))).build());
      }
    }
    Optional<Envelope> got = Optional.empty();
    for (int i = 0; i < real.size(); i++) {
      got = asm.accept(real.get(i), 0);
      if (i == 2) {
        for (Frame f : forged) {
          assertThrows(InvalidMessageException.class, () -> asm.accept(f, 0));
        }
        // The attacker's own frames, and the real frame 0 again, unsigned by the attacker's key either.
        Frame replayIndex = real.get(1).toBuilder().setIndex(4)
            .setMac(ByteString.copyFrom(Identity.frameMac(attackerToReceiver, 0, real.get(1).toBuilder().setIndex(4).build())))
            .build();
        assertThrows(InvalidMessageException.class, () -> asm.accept(replayIndex, 0));
      }
    }
    assertEquals(env, got.orElseThrow(), "node 1's transfer completed despite the forged frames");
    assertEquals(0, asm.pendingBytes());
  }



  @Test
  void randomFramesAreRefusedWithAReasonNeverWithACrash() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(14);
    FrameAssembler asm = new FrameAssembler(CHUNK, 16 * CHUNK, 32 * CHUNK, id -> id >= 0 && id < 4);
    long[] totals = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 16 * CHUNK, 16L * CHUNK + 1, -1, Long.MAX_VALUE, 1L << 40};
    byte[] valid = envelope(1, 300).toByteArray();
    int refused = 0;
    for (int i = 0; i < 100_000; i++) {
      Frame.Builder f = Frame.newBuilder().setSender(r.nextInt(6) - 1).setTransfer(r.nextInt(4));
      long total = r.nextInt(3) == 0 ? valid.length : totals[r.nextInt(totals.length)];
      int count = r.nextInt(3) == 0 ? (int) Math.max(1, (total + CHUNK - 1) / CHUNK) : r.nextInt(20) - 2;
      f.setTotalBytes(total).setCount(count).setIndex(r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(Math.max(1, count + 1)));
      int len = r.nextInt(3) == 0 ? (int) Math.min(total, CHUNK) : r.nextInt(CHUNK + 2);
      byte[] data = new byte[Math.max(0, len)];
      if (r.nextBoolean()) {
        System.arraycopy(valid, 0, data, 0, Math.min(valid.length, data.length));
      } else {
        r.nextBytes(data);
      }
      f.setData(ByteString.copyFrom(data));
      int parts = r.nextInt(4) == 0 ? r.nextInt(5) : 0;
      for (int k = 0; k < parts; k++) {
        f.addParts(r.nextInt(3) == 0 ? -1L : r.nextInt(CHUNK * 2));
      }
      try {
        asm.accept(f.build(), i);
      } catch (InvalidMessageException e) {
        refused++;
      }
      if (i % 1000 == 0) {
        asm.expire(i - 500);
      }
      assertTrue(asm.pendingBytes() >= 0 && asm.pendingBytes() <= 32 * CHUNK, "held bytes stay within the cap");
    }
    assertTrue(refused > 50_000, "most random frames are refused: " + refused);
  }
}
