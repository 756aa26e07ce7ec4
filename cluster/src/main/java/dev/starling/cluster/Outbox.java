package dev.starling.cluster;

import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outgoing messages of this JVM's nodes: sent at once when their destination has a route, else
 * held (a member that just joined or restarted is known to the Receptionist a moment later) for
 * up to {@link #HOLD}, in order per destination, within {@code maxHeldBytes}.
 */
final class Outbox {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);

  /** How long a message waits for a route to its destination before it is dropped. */
  static final Duration HOLD = Duration.ofSeconds(15);

  /**
   * One message for the inline or the bulk stream; its frames are cut when its route is known,
   * and each is sealed (its MAC needs the destination's proven certificate) as it goes, while the
   * earlier ones are already on their way.
   */
  record Outgoing(int from, int to, boolean inline, Envelope.BodyCase kind, int bytes, Framing frames,
      long expiresNanos) {}

  /** How an outgoing message becomes frames. */
  interface Framing {
    List<Frame> frames();

    /** The frame with whatever authenticates it. */
    Frame seal(Frame f);
  }

  private final Routes routes;
  private final Traffic traffic;
  private final long maxHeldBytes;
  private final ArrayDeque<Outgoing> pending = new ArrayDeque<>();
  private long pendingBytes;

  Outbox(Routes routes, Traffic traffic, long maxHeldBytes) {
    this.routes = routes;
    this.traffic = traffic;
    this.maxHeldBytes = maxHeldBytes;
  }

  /** Sends {@code o}, or holds it behind earlier held messages. */
  void send(Outgoing o) {
    synchronized (pending) {
      if (!pending.isEmpty() || !deliver(o)) {
        if (pendingBytes + o.bytes() > maxHeldBytes) {
          traffic.unrouted.incrementAndGet();
          LOG.warn("node {} has no route to node {} and {} bytes already wait; dropped {}", o.from(), o.to(), pendingBytes,
              o.kind());
          return;
        }
        pending.add(o);
        pendingBytes += o.bytes();
        flush();
      }
    }
  }

  /** Sends {@code o} if its destination has a route; false otherwise. */
  private boolean deliver(Outgoing o) {
    ActorRef<Frame> route = routes.get(o.to(), o.inline());
    if (route == null) {
      return false;
    }
    List<Frame> frames = o.frames().frames();
    for (Frame f : frames) {
      route.tell(o.frames().seal(f));
    }
    traffic.bytesSent.addAndGet(o.bytes());
    traffic.messagesSent.incrementAndGet();
    return true;
  }

  /** Sends held messages whose route is now known (per destination in order); drops expired ones. */
  void flush() {
    synchronized (pending) {
      long now = System.nanoTime();
      Set<Integer> blocked = new HashSet<>();
      for (var it = pending.iterator(); it.hasNext(); ) {
        Outgoing o = it.next();
        if (!blocked.contains(o.to()) && deliver(o)) {
          it.remove();
          pendingBytes -= o.bytes();
        } else if (now - o.expiresNanos() > 0) {
          it.remove();
          pendingBytes -= o.bytes();
          traffic.unrouted.incrementAndGet();
          LOG.warn("node {} found no route to node {} within {} s (not registered, or gone); dropped {}", o.from(), o.to(),
              HOLD.toSeconds(), o.kind());
        } else {
          blocked.add(o.to());
        }
      }
    }
  }
}
