package dev.starling.node.dl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.PeerView;
import dev.starling.sampling.modest.View;
import dev.starling.sampling.modest.ViewEntry;
import org.junit.jupiter.api.Test;

class PeerViewsTest {

  @Test
  void roundTripsThroughTheWire() throws Exception {
    View v = View.initial(1000, i -> i % 7 == 0).seenActive(5, 12).seenActive(999, 40)
        .with(300, new ViewEntry(3, 9, ViewEntry.Status.LEAVE));
    PeerView wire = PeerView.parseFrom(PeerViews.encode(v).toByteArray());
    View back = PeerViews.decode(wire, 1000);
    assertEquals(v, back);
    assertEquals(new ViewEntry(3, 9, ViewEntry.Status.LEAVE), back.get(300));
    // gaps and varints: about 3 bytes per entry for a 1,000-node view
    assertTrue(wire.getSerializedSize() < 4 * 1000, "view bytes " + wire.getSerializedSize());
  }

  @Test
  void rejectsMalformedViewsWithAReason() {
    PeerView ok = PeerViews.encode(View.initial(10, i -> false));
    var tooBig = assertThrows(InvalidMessageException.class, () -> PeerViews.decode(ok, 5));
    assertTrue(tooBig.getMessage().contains("out of range"), tooBig.getMessage());
    var ragged = ok.toBuilder().addLastActive(3).build();
    assertTrue(assertThrows(InvalidMessageException.class, () -> PeerViews.decode(ragged, 10)).getMessage().contains("columns"));
    var dup = ok.toBuilder().setIdGaps(3, 0).build();
    assertTrue(assertThrows(InvalidMessageException.class, () -> PeerViews.decode(dup, 10)).getMessage().contains("increase"));
    var bits = ok.toBuilder().setLeave(ByteString.copyFrom(new byte[5])).build();
    assertTrue(assertThrows(InvalidMessageException.class, () -> PeerViews.decode(bits, 10)).getMessage().contains("leave bits"));
    var old = ok.toBuilder().setLastActive(0, -7).build();
    assertTrue(assertThrows(InvalidMessageException.class, () -> PeerViews.decode(old, 10)).getMessage().contains("last_active"));
  }
}
