package dev.starling.sampling.modest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ViewTest {

  private static ViewEntry randomEntry(SplittableRandom r) {
    return new ViewEntry(r.nextInt(60) - 1, r.nextInt(4), r.nextInt(4) == 0 ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
  }

  @Test
  void mergeMatchesTheEntryRuleOnRandomViews() {
    SplittableRandom r = new SplittableRandom(5);
    for (int trial = 0; trial < 100; trial++) {
      int n = 1 + r.nextInt(700);
      Map<Integer, ViewEntry> a = new TreeMap<>();
      Map<Integer, ViewEntry> b = new TreeMap<>();
      View va = View.empty();
      View vb = View.empty();
      for (int j = 0; j < n; j++) {
        if (r.nextInt(5) > 0) {
          ViewEntry e = randomEntry(r);
          a.put(j, e);
          va = va.with(j, e);
        }
        if (r.nextInt(5) > 0) {
          ViewEntry e = randomEntry(r);
          b.put(j, e);
          vb = vb.with(j, e);
        }
      }
      View merged = va.merge(vb);
      for (int j = 0; j < n; j++) {
        ViewEntry ea = a.get(j);
        ViewEntry eb = b.get(j);
        ViewEntry expected = ea == null ? eb : eb == null ? ea : ea.merge(eb);
        assertEquals(expected, merged.get(j), "id " + j);
      }
      // candidates agree with the map-based reference
      long k = r.nextInt(70);
      int self = r.nextInt(n + 3);
      List<Integer> ref = SampleDerivation.candidates(k, self, a, 20);
      List<Integer> got = new ArrayList<>();
      for (int id : va.candidates(k, self, 20)) {
        got.add(id);
      }
      assertEquals(ref, got);
    }
  }

  @Test
  void viewsArePersistentAndShareUnchangedChunks() {
    View base = View.initial(10_000, i -> false);
    View updated = base.seenActive(4_321, 7);
    assertEquals(-1, base.get(4_321).lastActiveRound(), "the original is unchanged");
    assertEquals(7, updated.get(4_321).lastActiveRound());
    int chunks = (10_000 + View.CHUNK - 1) / View.CHUNK;
    assertEquals(chunks - 1, updated.sharedChunks(base), "only the touched chunk is copied");
    // merging what the other already knows changes nothing and allocates nothing
    assertSame(updated, updated.merge(base));
    // merging news into the old view adopts the other's chunk instead of copying it
    View adopted = base.merge(updated);
    assertEquals(chunks, adopted.sharedChunks(updated));
    assertEquals(updated, adopted);
    assertNotEquals(base, adopted);
  }

  @Test
  void candidatesDropLeaversAndTheInactiveButKeepSelf() {
    View v = View.initial(6, i -> i == 2).seenActive(1, 18).seenActive(3, 2).seenActive(4, 2);
    v = v.with(4, new ViewEntry(2, 1, ViewEntry.Status.LEAVE));
    assertArrayEquals(new int[] {1, 4}, v.candidates(20, 4, 5));
    assertArrayEquals(new int[] {1, 9}, v.candidates(20, 9, 5));
    assertNull(v.get(7));
    assertEquals(6, v.size());
  }

  @Test
  void intOrderEqualsTheListOrderAndEqualViewsDeriveEqualSamples() {
    SplittableRandom r = new SplittableRandom(9);
    for (int trial = 0; trial < 100; trial++) {
      int n = 2 + r.nextInt(300);
      View a = View.empty();
      View.Builder bb = new View.Builder();
      for (int j = 0; j < n; j++) {
        ViewEntry e = randomEntry(r);
        a = a.with(j, e);
        bb.add(j, e.lastActiveRound(), e.membershipIndex(), e.status() == ViewEntry.Status.LEAVE);
      }
      View b = bb.build(); // the same view built another way, as a receiver would decode it
      assertEquals(a, b);
      long k = 1 + r.nextInt(80);
      // two nodes (both in the view) with equal views agree on the order of k and of k + 1
      int self1 = r.nextInt(n);
      int[] ca = a.candidates(k, self1, 30);
      int[] cb = b.candidates(k, self1, 30);
      assertArrayEquals(SampleDerivation.order(k, ca), SampleDerivation.order(k, cb));
      List<Integer> boxed = new ArrayList<>();
      for (int c : ca) {
        boxed.add(c);
      }
      int[] viaInts = SampleDerivation.order(k + 1, ca);
      List<Integer> viaList = SampleDerivation.order(k + 1, boxed);
      for (int i = 0; i < viaInts.length; i++) {
        assertEquals(viaList.get(i), viaInts[i]);
      }
    }
  }

  @Test
  void changesSinceABaseMergeToWhatTheWholeViewGives() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 3000;
    View initial = View.initial(n, i -> i % 97 == 0);
    for (int trial = 0; trial < 50; trial++) {
      View sent = initial;
      for (int i = 0; i < 200; i++) {
        sent = sent.seenActive(r.nextInt(n), r.nextInt(40));
      }
      View now = sent;
      for (int i = 0; i < 100; i++) {
        int id = r.nextInt(n);
        now = r.nextInt(4) == 0 ? now.with(id, new ViewEntry(r.nextInt(60), 1 + r.nextInt(5),
            r.nextBoolean() ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN)) : now.seenActive(id, 40 + r.nextInt(20));
      }
      // A receiver that merged what was sent before, in any state of its own.
      View receiver = initial;
      for (int i = 0; i < 300; i++) {
        receiver = receiver.seenActive(r.nextInt(n), r.nextInt(60));
      }
      receiver = receiver.merge(sent);
      View delta = now.changedSince(sent, Long.MIN_VALUE);
      assertEquals(receiver.merge(now), receiver.merge(delta), "the exact delta");
      assertTrue(delta.size() <= 100, "only what changed: " + delta.size());

      // Against the initial view with activity older than round m dropped: every candidate set of
      // an index >= m + threshold is the same as with the whole view.
      long threshold = 10;
      long m = 35;
      View windowed = now.changedSince(initial, m - threshold);
      View fresh = initial.merge(windowed);
      View whole = initial.merge(now);
      for (long k = m; k < m + 30; k++) {
        assertArrayEquals(whole.candidates(k, 5, threshold), fresh.candidates(k, 5, threshold), "k " + k);
      }
      assertArrayEquals(whole.ids(ViewEntry.Status.LEAVE), fresh.ids(ViewEntry.Status.LEAVE));
      assertArrayEquals(whole.ids(ViewEntry.Status.JOIN), fresh.ids(ViewEntry.Status.JOIN));
      assertEquals(whole.maxLastActive(), fresh.maxLastActive());
      assertTrue(windowed.size() < now.size() / 2, windowed.size() + " of " + now.size());
    }
  }
}
