package dev.starling.cluster;

import dev.starling.node.wire.proto.Frame;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The routes to every member's inline and bulk endpoints, kept current from the cluster
 * Receptionist by a directory actor ({@link #directory}), so a send finds its route without a
 * lookup. A restarted member registers again before its old incarnation is removed: the newest
 * registration wins.
 */
final class Routes {

  private final SortedSet<Integer> members;
  private final Map<Integer, ActorRef<Frame>> inline = new ConcurrentHashMap<>();
  private final Map<Integer, ActorRef<Frame>> bulk = new ConcurrentHashMap<>();

  Routes(SortedSet<Integer> members) {
    this.members = members;
  }

  static ServiceKey<Frame> inlineKey(int id) {
    return ServiceKey.create(Frame.class, "starling-net-" + id);
  }

  static ServiceKey<Frame> bulkKey(int id) {
    return ServiceKey.create(Frame.class, "starling-bulk-" + id);
  }

  /** The current route to node {@code id}'s inline or bulk endpoint, or null. */
  ActorRef<Frame> get(int id, boolean inlineStream) {
    return (inlineStream ? inline : bulk).get(id);
  }

  /** Ids among {@code ids} with no route yet. */
  SortedSet<Integer> missing(Collection<Integer> ids) {
    SortedSet<Integer> out = new TreeSet<>();
    for (int id : ids) {
      if (!inline.containsKey(id) || !bulk.containsKey(id)) {
        out.add(id);
      }
    }
    return out;
  }

  /** Whether routes to every one of {@code ids} are known, waiting up to {@code timeout}. */
  boolean await(Collection<Integer> ids, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!missing(ids).isEmpty()) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  private static final Object FLUSH = "flush";

  /**
   * The directory actor: subscribes to every member's keys, updates the routes on each listing,
   * and calls {@code changed} after every listing and every 500 ms (so held messages leave).
   */
  Behavior<Object> directory(ActorRef<Receptionist.Command> receptionist, Runnable changed) {
    return Behaviors.setup(ctx -> {
      ActorRef<Receptionist.Listing> self = ctx.getSelf().narrow();
      for (int id : members) {
        receptionist.tell(Receptionist.subscribe(inlineKey(id), self));
        receptionist.tell(Receptionist.subscribe(bulkKey(id), self));
      }
      Map<ServiceKey<Frame>, Set<ActorRef<Frame>>> seen = new HashMap<>(); // this actor's alone
      return Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay("flush", FLUSH, Duration.ofMillis(500));
        return Behaviors.<Object>receiveMessage(msg -> {
          if (msg instanceof Receptionist.Listing listing) {
            for (int id : members) {
              update(listing, inlineKey(id), id, inline, seen);
              update(listing, bulkKey(id), id, bulk, seen);
            }
          }
          changed.run();
          return Behaviors.same();
        });
      }).narrow();
    });
  }

  private static void update(Receptionist.Listing listing, ServiceKey<Frame> key, int id,
      Map<Integer, ActorRef<Frame>> routes, Map<ServiceKey<Frame>, Set<ActorRef<Frame>>> seen) {
    if (!listing.isForKey(key)) {
      return;
    }
    Set<ActorRef<Frame>> now = listing.getServiceInstances(key);
    Set<ActorRef<Frame>> before = seen.getOrDefault(key, Set.of());
    seen.put(key, Set.copyOf(now));
    Set<ActorRef<Frame>> added = new HashSet<>(now);
    added.removeAll(before);
    ActorRef<Frame> current = routes.get(id);
    if (!added.isEmpty()) {
      routes.put(id, added.iterator().next());
    } else if (current != null && !now.contains(current)) {
      if (now.isEmpty()) {
        routes.remove(id);
      } else {
        routes.put(id, now.iterator().next());
      }
    }
  }
}
