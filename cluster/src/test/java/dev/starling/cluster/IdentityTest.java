package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Frame;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {

  @TempDir static Path dir;
  static Path keys;
  static Path otherCa;

  @BeforeAll
  static void makeKeys() throws Exception {
    keys = dir.resolve("keys");
    otherCa = dir.resolve("other");
    Keys.make(keys, 3, "ip:127.0.0.1", 2);
    Keys.make(otherCa, 3, "ip:127.0.0.1", 2);
  }

  static Identity node(Path k, int id) {
    return Identity.load(Keys.forNode(k, id));
  }

  @Test
  void theNodeIdComesFromTheCertificateAndBothSidesDeriveTheSamePairKey() {
    Identity a = node(keys, 0);
    Identity b = node(keys, 2);
    assertEquals(0, a.member());
    assertEquals(2, b.member());
    Identity.Peer bSeenByA = a.verify(ByteString.copyFrom(b.certificate()), "test");
    Identity.Peer aSeenByB = b.verify(ByteString.copyFrom(a.certificate()), "test");
    assertEquals(2, bSeenByA.member());
    assertEquals(0, aSeenByB.member());
    assertArrayEquals(bSeenByA.pairKey().getEncoded(), aSeenByB.pairKey().getEncoded());
    assertEquals(bSeenByA, a.peer(2));
    assertNull(a.peer(1), "a member not yet seen is not known");
  }

  private static Frame frame(int sender, long transfer, int index, String data) {
    return Frame.newBuilder().setSender(sender).setTransfer(transfer).setIndex(index).setCount(3).setTotalBytes(3000)
        .setData(ByteString.copyFromUtf8(data)).build();
  }

  @Test
  void aFrameMacBindsSenderReceiverTransferIndexAndEveryByte() {
    Identity a = node(keys, 0);
    Identity b = node(keys, 1);
    Identity.Peer p = a.verify(ByteString.copyFrom(b.certificate()), "test");
    Identity.Peer q = b.verify(ByteString.copyFrom(a.certificate()), "test");
    Frame f = frame(0, 7, 1, "an envelope's middle");
    ByteString mac = ByteString.copyFrom(Identity.frameMac(p, 1, f));
    assertTrue(Identity.same(Identity.frameMac(q, 1, f), mac), "both ends derive the same MAC");
    assertFalse(Identity.same(Identity.frameMac(q, 1, frame(2, 7, 1, "an envelope's middle")), mac), "another sender id");
    assertFalse(Identity.same(Identity.frameMac(q, 2, f), mac), "another receiver");
    assertFalse(Identity.same(Identity.frameMac(q, 1, frame(0, 8, 1, "an envelope's middle")), mac), "another transfer");
    assertFalse(Identity.same(Identity.frameMac(q, 1, frame(0, 7, 0, "an envelope's middle")), mac), "another index");
    assertFalse(Identity.same(Identity.frameMac(q, 1, f.toBuilder().setTotalBytes(3001).build()), mac), "another size");
    assertFalse(Identity.same(Identity.frameMac(q, 1, f.toBuilder().addParts(1).addParts(2999).build()), mac), "parts");
    assertFalse(Identity.same(Identity.frameMac(q, 1, frame(0, 7, 1, "an envelope's middlE")), mac), "another byte");
  }

  @Test
  void aThirdMemberCannotMakeThePairsMacs() {
    Identity a = node(keys, 0);
    Identity b = node(keys, 1);
    Identity c = node(keys, 2);
    Frame f = frame(1, 1, 0, "update");
    byte[] real = Identity.frameMac(a.verify(ByteString.copyFrom(b.certificate()), "t"), 0, f);
    byte[] forged = Identity.frameMac(c.verify(ByteString.copyFrom(a.certificate()), "t"), 0, f);
    assertFalse(Identity.same(real, ByteString.copyFrom(forged)));
  }

  @Test
  void certificatesOfAnotherCaOrGarbageAreRefused() {
    Identity a = node(keys, 0);
    Identity rogue = node(otherCa, 1);
    InvalidMessageException e = assertThrows(InvalidMessageException.class,
        () -> a.verify(ByteString.copyFrom(rogue.certificate()), "probe"));
    assertTrue(e.getMessage().contains("is not valid for this cluster"), e.getMessage());
    assertThrows(InvalidMessageException.class, () -> a.verify(ByteString.copyFromUtf8("not a certificate"), "probe"));
    assertThrows(InvalidMessageException.class, () -> a.verify(ByteString.copyFrom(new byte[20_000]), "probe"));
    assertNull(a.peer(1));
  }
}
