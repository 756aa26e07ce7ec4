package dev.starling.node.dl;

import dev.starling.node.runtime.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * MoDeST's findAvailable (modest.md section 1.3): probes the first nodes of a hash order with
 * pings, re-pings every {@code interval}, declares a node dead after {@code timeout} and probes
 * replacements further down the order (over-probing by the dead-to-alive ratio seen so far), and
 * hands the live nodes found to a callback. One peer runs several probes at once, each keyed by
 * its nonce; its timers share the peer's scheduler under {@link Tick} keys.
 */
final class LivenessProbe {

  /** What the probe needs from its peer. */
  interface Host {
    /** The hash order of index {@code k} among the peer's candidates, less {@code excluded}. */
    HashOrder order(long k, Set<Integer> excluded);

    /** Sends a ping carrying {@code nonce} to {@code node}. */
    void ping(int node, long nonce);

    /** {@code node} did not answer within the timeout. */
    void dead(int node);
  }

  /** The re-ping timer of one probe. */
  record Tick(long probe) {}

  /** One run of findAvailable. */
  private final class Probe {
    final long id;
    final int count;
    final HashOrder order;
    final Consumer<List<Integer>> then;
    int next;
    final TreeMap<Integer, Double> outstanding = new TreeMap<>();
    final List<Integer> found = new ArrayList<>();
    boolean done;

    Probe(long id, int count, HashOrder order, Consumer<List<Integer>> then) {
      this.id = id;
      this.count = count;
      this.order = order;
      this.then = then;
    }
  }

  private final int self;
  private final Clock clock;
  private final TimerScheduler<PeerCommand> timers;
  private final Duration interval;
  private final Duration timeout;
  private final Host host;
  private final TreeMap<Long, Probe> probes = new TreeMap<>();
  private long nextProbe = 1;

  LivenessProbe(int self, Clock clock, TimerScheduler<PeerCommand> timers, Duration interval, Duration timeout, Host host) {
    this.self = self;
    this.clock = clock;
    this.timers = timers;
    this.interval = interval;
    this.timeout = timeout;
    this.host = host;
  }

  /** Probes order(k) and calls {@code then} with up to {@code count} live nodes (this node counts as live). */
  void findAvailable(long k, int count, Set<Integer> excluded, Consumer<List<Integer>> then) {
    Probe p = new Probe(nextProbe++, count, host.order(k, excluded), then);
    probes.put(p.id, p);
    int first = 0;
    while (first < count && p.order.has(first)) {
      first++;
    }
    p.next = first;
    for (int i = 0; i < first && !p.done; i++) {
      probe(p, p.order.get(i));
    }
    if (!p.done) {
      if (p.outstanding.isEmpty()) {
        finish(p);
      } else {
        timers.startTimerWithFixedDelay(new Tick(p.id), new PeerCommand.Timer(new Tick(p.id)), interval);
      }
    }
  }

  /** A pong for probe {@code nonce} from {@code from}. */
  void pong(int from, long nonce) {
    Probe probe = probes.get(nonce);
    if (probe != null && probe.outstanding.remove(from) != null) {
      probe.found.add(from);
      if (probe.found.size() >= probe.count) {
        finish(probe);
      } else if (probe.outstanding.isEmpty() && !probe.order.has(probe.next)) {
        finish(probe);
      }
    }
  }

  /** Abandons every probe (the node went offline). */
  void clear() {
    for (Probe p : probes.values()) {
      timers.cancel(new Tick(p.id));
    }
    probes.clear();
  }

  private void probe(Probe p, int j) {
    if (j == self) {
      p.found.add(j);
      if (p.found.size() >= p.count) {
        finish(p);
      }
      return;
    }
    p.outstanding.put(j, clock.nowSeconds() + timeout.toNanos() / 1e9);
    host.ping(j, p.id);
  }

  private void finish(Probe p) {
    if (p.done) {
      return;
    }
    p.done = true;
    probes.remove(p.id);
    timers.cancel(new Tick(p.id));
    p.then.accept(List.copyOf(p.found));
  }

  /** A re-ping tick: who timed out is dead and replaced; the rest are pinged again. */
  void onTick(long id) {
    Probe p = probes.get(id);
    if (p == null) {
      timers.cancel(new Tick(id));
      return;
    }
    double now = clock.nowSeconds();
    List<Integer> dead = new ArrayList<>();
    for (Map.Entry<Integer, Double> e : p.outstanding.entrySet()) {
      if (now >= e.getValue() - 1e-9) {
        dead.add(e.getKey());
      }
    }
    for (int j : dead) {
      p.outstanding.remove(j);
      host.dead(j);
    }
    if (!dead.isEmpty() && !p.done) {
      // Replace the dead, over-probing by the dead-to-alive ratio seen so far so that a mass crash
      // costs a few ping timeouts rather than one per dead node in hash order.
      int need = p.count - p.found.size() - p.outstanding.size();
      int alive = Math.max(1, p.found.size());
      int factor = (int) Math.min(4, Math.max(1, Math.ceil((double) p.next / alive)));
      for (int i = 0; i < need * factor && p.order.has(p.next) && !p.done; i++) {
        probe(p, p.order.get(p.next++));
      }
    }
    if (p.done) {
      return;
    }
    if (p.outstanding.isEmpty()) {
      finish(p);
      return;
    }
    for (int j : p.outstanding.keySet()) {
      if (!dead.contains(j)) {
        host.ping(j, p.id);
      }
    }
  }
}
