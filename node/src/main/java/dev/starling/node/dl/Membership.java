package dev.starling.node.dl;

import java.util.function.IntPredicate;

import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Advertise;
import dev.starling.sampling.modest.View;
import dev.starling.sampling.modest.ViewEntry;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * A MoDeST peer's membership (modest.md section 1.7): its view of the population, merged with
 * every view it receives; JOIN and LEAVE advertisements (a JOIN heard is applied only once the
 * next sample is fixed, so a newcomer never enters a sample others may be computing); and the
 * suspicion of a node that fails a probe, marked LEAVE one membership index above the known one
 * so it travels in views, which the suspected node refutes with a newer JOIN (as SWIM's
 * incarnation numbers do). Not an actor: {@link ModestPeer} calls it from its handlers.
 */
final class Membership {
  /** Membership indices stay below this (validated on the wire). */
  static final long MAX_INDEX = 1L << 30;

  private final int self;
  private View view;
  private long viewMaxActive;
  private final TreeMap<Integer, ViewEntry> pendingJoins = new TreeMap<>();
  private long nextIndex;

  /** @param nextIndex the membership index this node's next advertisement carries (1 on a first start) */
  Membership(int self, View view, long nextIndex) {
    this.self = self;
    this.view = view;
    this.viewMaxActive = view.maxLastActive();
    this.nextIndex = nextIndex;
  }

  View view() {
    return view;
  }

  /** The largest last-active round in the view. */
  long maxActive() {
    return viewMaxActive;
  }

  /** The index of this node's latest advertisement (sent in pings and pongs). */
  long currentIndex() {
    return nextIndex - 1;
  }

  long nextIndex() {
    return nextIndex;
  }

  boolean contains(int id) {
    return view.contains(id);
  }

  int[] candidates(long k, long inactivityThreshold) {
    return view.candidates(k, self, inactivityThreshold);
  }

  /** Whether an id is a candidate of index k in the view as it is now (the view is immutable). */
  IntPredicate candidatePredicate(long k, long inactivityThreshold) {
    View v = view;
    return id -> v.isCandidate(id, k, self, inactivityThreshold);
  }

  void seen(int peer, long round) {
    view = view.seenActive(peer, round);
    viewMaxActive = Math.max(viewMaxActive, round);
  }

  /** Merges a received (validated) view. */
  void merge(View theirs) {
    view = view.merge(theirs);
    viewMaxActive = Math.max(viewMaxActive, theirs.maxLastActive());
  }

  /** A ping or pong from {@code from} at its {@code round} and {@code membership}: it is active and alive. */
  void touch(int from, long round, long membership, long roundEstimate) {
    if (!view.contains(from)) {
      return;
    }
    seen(from, Math.max(roundEstimate, Math.min(round, roundEstimate + 1)));
    if (membership < MAX_INDEX) {
      provenAlive(from, membership);
    }
  }

  /** After a merge: if others declared this node dead, refute with a newer JOIN; true when it did. */
  boolean refuteIfSuspected(long roundEstimate) {
    ViewEntry me = view.get(self);
    if (me != null && me.status() == ViewEntry.Status.LEAVE && me.membershipIndex() >= nextIndex - 1) {
      nextIndex = me.membershipIndex() + 1;
      view = view.with(self, new ViewEntry(Math.max(me.lastActiveRound(), roundEstimate), nextIndex, ViewEntry.Status.JOIN));
      nextIndex++;
      return true;
    }
    return false;
  }

  /** A direct message from {@code j} proves it alive: undo a suspicion of it ({@code membership} -1 when unknown). */
  void provenAlive(int j, long membership) {
    ViewEntry e = view.get(j);
    if (e == null) {
      return;
    }
    if (membership > e.membershipIndex()) {
      view = view.with(j, new ViewEntry(e.lastActiveRound(), membership, ViewEntry.Status.JOIN));
    } else if (e.status() == ViewEntry.Status.LEAVE) {
      view = view.with(j, new ViewEntry(e.lastActiveRound(), e.membershipIndex(), ViewEntry.Status.JOIN));
    }
  }

  /** A probe of {@code j} timed out: suspect it, in a way its own refutation overrides. */
  void declareDead(int j) {
    ViewEntry e = view.get(j);
    if (e != null && e.status() == ViewEntry.Status.JOIN && e.membershipIndex() + 1 < MAX_INDEX) {
      view = view.with(j, new ViewEntry(e.lastActiveRound(), e.membershipIndex() + 1, ViewEntry.Status.LEAVE));
    }
  }

  /** {@code j} said it will not take part (a negative acknowledgement): skip it until it is heard from. */
  void markUnavailable(int j) {
    ViewEntry e = view.get(j);
    if (e != null) {
      view = view.with(j, new ViewEntry(e.lastActiveRound(), e.membershipIndex(), ViewEntry.Status.LEAVE));
    }
  }

  /** A JOIN or LEAVE advertisement from {@code from}: a LEAVE applies now, a JOIN at the next {@link #flushPendingJoins()}. */
  void onAdvertise(int from, Advertise a, long roundEstimate) {
    if (a.getMembership() >= MAX_INDEX) {
      throw new InvalidMessageException("advertised membership index " + a.getMembership() + " out of range (< 2^30)");
    }
    long r = Math.max(Math.min(a.getRound(), roundEstimate + 1), roundEstimate);
    ViewEntry e = new ViewEntry(r, a.getMembership(), a.getLeave() ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN);
    if (a.getLeave()) {
      ViewEntry mine = view.get(from);
      view = view.with(from, mine == null ? e : mine.merge(e));
      viewMaxActive = Math.max(viewMaxActive, r);
    } else {
      ViewEntry pending = pendingJoins.get(from);
      pendingJoins.put(from, pending == null ? e : pending.merge(e));
    }
  }

  /** Applies the JOINs heard since the last sample was fixed. */
  void flushPendingJoins() {
    for (Map.Entry<Integer, ViewEntry> e : pendingJoins.entrySet()) {
      ViewEntry mine = view.get(e.getKey());
      view = view.with(e.getKey(), mine == null ? e.getValue() : mine.merge(e.getValue()));
      viewMaxActive = Math.max(viewMaxActive, e.getValue().lastActiveRound());
    }
    pendingJoins.clear();
  }

  /**
   * Section 1.7: a JOIN to {@code fanout} random peers of the whole view, or a LEAVE to
   * {@code fanout} random active ones; {@code send} gets each target in turn.
   *
   * @return the membership index advertised
   */
  long advertise(boolean leave, long roundEstimate, long inactivityThreshold, int fanout, SplittableRandom rng,
      IntConsumer send) {
    long myIdx = nextIndex++;
    int[] pool = leave ? view.candidates(roundEstimate, self, inactivityThreshold) : view.ids(ViewEntry.Status.JOIN);
    if (!leave) {
      int[] left = view.ids(ViewEntry.Status.LEAVE);
      int[] all = Arrays.copyOf(pool, pool.length + left.length);
      System.arraycopy(left, 0, all, pool.length, left.length);
      Arrays.sort(all);
      pool = all;
    }
    pool = Arrays.stream(pool).filter(j -> j != self).toArray();
    for (int i = 0; i < Math.min(fanout, pool.length); i++) {
      int j = i + rng.nextInt(pool.length - i);
      int t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      send.accept(pool[i]);
    }
    ViewEntry me = view.get(self);
    view = view.with(self, new ViewEntry(me == null ? roundEstimate : me.lastActiveRound(), myIdx,
        leave ? ViewEntry.Status.LEAVE : ViewEntry.Status.JOIN));
    return myIdx;
  }

  /** Whether this node's own entry says it is out (it starts late, or others saw it leave). */
  boolean selfLeft() {
    ViewEntry me = view.get(self);
    return me != null && me.status() == ViewEntry.Status.LEAVE;
  }

  /** JOINs heard and not applied yet (for tests). */
  int pendingJoinCount() {
    return pendingJoins.size();
  }
}
