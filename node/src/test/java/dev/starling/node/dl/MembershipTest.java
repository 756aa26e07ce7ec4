package dev.starling.node.dl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Advertise;
import dev.starling.sampling.modest.View;
import dev.starling.sampling.modest.ViewEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** MoDeST membership on its own: suspicion and refutation, JOINs held until a sample is fixed, LEAVEs at once. */
class MembershipTest {

  static final int SELF = 0;

  Membership fresh() {
    return new Membership(SELF, View.initial(5, i -> false), 1);
  }

  @Test
  void aSuspicionTravelsAsALeaveOneIndexUpAndADirectMessageUndoesIt() {
    Membership m = fresh();
    m.declareDead(3);
    ViewEntry e = m.view().get(3);
    assertEquals(ViewEntry.Status.LEAVE, e.status());
    assertEquals(1, e.membershipIndex());
    m.declareDead(3); // already suspected: no further bump
    assertEquals(1, m.view().get(3).membershipIndex());
    m.provenAlive(3, -1);
    assertEquals(ViewEntry.Status.JOIN, m.view().get(3).status());
    m.provenAlive(3, 4); // it advertised a newer index
    assertEquals(4, m.view().get(3).membershipIndex());
  }

  @Test
  void aSuspectedNodeRefutesWithANewerJoin() {
    Membership m = fresh();
    Membership other = new Membership(2, View.initial(5, i -> false), 1);
    other.declareDead(SELF);
    m.merge(other.view());
    assertTrue(m.selfLeft());
    assertTrue(m.refuteIfSuspected(7));
    ViewEntry me = m.view().get(SELF);
    assertEquals(ViewEntry.Status.JOIN, me.status());
    assertEquals(2, me.membershipIndex(), "above the suspicion's index 1");
    assertEquals(3, m.nextIndex());
    assertEquals(7, me.lastActiveRound());
    assertFalse(m.refuteIfSuspected(7), "nothing to refute any more");
    other.merge(m.view());
    assertEquals(ViewEntry.Status.JOIN, other.view().get(SELF).status(), "the refutation wins the merge");
  }

  @Test
  void joinsWaitForTheNextSampleLeavesApplyAtOnce() {
    Membership m = new Membership(SELF, View.initial(5, i -> i == 4), 1);
    m.onAdvertise(4, Advertise.newBuilder().setRound(3).setMembership(1).setLeave(false).build(), 3);
    assertEquals(ViewEntry.Status.LEAVE, m.view().get(4).status(), "not yet: a sample may be in the making");
    assertEquals(1, m.pendingJoinCount());
    m.flushPendingJoins();
    assertEquals(ViewEntry.Status.JOIN, m.view().get(4).status());
    m.onAdvertise(2, Advertise.newBuilder().setRound(3).setMembership(1).setLeave(true).build(), 3);
    assertEquals(ViewEntry.Status.LEAVE, m.view().get(2).status());
    assertThrows(InvalidMessageException.class, () -> m.onAdvertise(1,
        Advertise.newBuilder().setRound(3).setMembership(Membership.MAX_INDEX).build(), 3));
  }

  @Test
  void anAdvertisementGoesToDistinctOthersAndMarksItsOwnEntry() {
    Membership m = fresh();
    List<Integer> to = new ArrayList<>();
    long idx = m.advertise(true, 2, 1_000_000, 3, new SplittableRandom(1), to::add);
    assertEquals(1, idx);
    assertEquals(3, to.size());
    assertEquals(3, to.stream().distinct().count());
    assertFalse(to.contains(SELF));
    assertTrue(m.selfLeft());
    assertEquals(1, m.currentIndex());
  }
}
