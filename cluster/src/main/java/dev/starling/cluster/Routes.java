package dev.starling.cluster;

import com.google.protobuf.ByteString;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.RouteProbe;
import dev.starling.node.wire.proto.RouteProof;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes to every member's inline and bulk endpoints, kept current from the cluster
 * Receptionist by a directory actor ({@link #directory}), so a send finds its route without a
 * lookup.
 *
 * <p>Anyone in the cluster can register an endpoint under any node's key, so with TLS a
 * registered endpoint is only a candidate: the directory sends it a {@link RouteProbe} (a fresh
 * nonce and this member's certificate) and routes to it only when its {@link RouteProof} checks —
 * a MAC over the node id, the nonce and the endpoint's own path under the pair key of this member
 * and the node's certificate holder ({@link Identity#routeMac}). An endpoint that cannot prove it is
 * logged and never used. A restarted member registers again before its old incarnation is removed:
 * the newest proven endpoint wins. Without TLS every registration is taken as it comes.
 */
final class Routes {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);
  /** A probe unanswered this long is sent again (then twice as long, up to {@link #MAX_RETRY}). */
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration MAX_RETRY = Duration.ofSeconds(16);
  /** After this many unanswered probes an endpoint is reported as unproven (probes go on, rarely). */
  private static final int REPORT_AFTER = 5;

  private final SortedSet<Integer> members;
  private final Identity identity;
  private final IntUnaryOperator hostOf;
  private final Map<Integer, ActorRef<Frame>> inline = new ConcurrentHashMap<>();
  private final Map<Integer, ActorRef<Frame>> bulk = new ConcurrentHashMap<>();
  private final LogLimit refusals = new LogLimit(10, TimeUnit.SECONDS.toNanos(10));

  /**
   * @param identity this member's identity, or null without TLS (registrations are trusted)
   * @param hostOf the member (certificate) that speaks for each node id
   */
  Routes(SortedSet<Integer> members, Identity identity, IntUnaryOperator hostOf) {
    this.members = members;
    this.identity = identity;
    this.hostOf = hostOf;
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
    return await(ids, ids.size(), timeout);
  }

  /** Whether routes to at least {@code atLeast} of {@code ids} are known, waiting up to {@code timeout}. */
  boolean await(Collection<Integer> ids, int atLeast, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (ids.size() - missing(ids).size() < atLeast) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  private static final Object FLUSH = "flush";

  /** A registered endpoint not yet proven: the nonce it was sent, when to ask again, how often it was asked. */
  private static final class Pending {
    final ByteString nonce;
    long nextNanos;
    long waitNanos = FIRST_RETRY.toNanos();
    int asked;

    Pending(ByteString nonce, long now) {
      this.nonce = nonce;
      this.nextNanos = now;
    }
  }

  /** What the directory knows of one key: endpoints waiting for their proof, and proven ones in the order they proved. */
  private static final class Candidates {
    final int node;
    final boolean inlineStream;
    final Map<ActorRef<Frame>, Pending> pending = new LinkedHashMap<>();
    final List<ActorRef<Frame>> proven = new ArrayList<>();

    Candidates(int node, boolean inlineStream) {
      this.node = node;
      this.inlineStream = inlineStream;
    }
  }

  /**
   * The directory actor: subscribes to every member's keys, checks each newly registered endpoint,
   * updates the routes, and calls {@code changed} after every change and every 500 ms (so held
   * messages leave).
   */
  Behavior<Object> directory(ActorRef<Receptionist.Command> receptionist, Runnable changed) {
    return Behaviors.setup(ctx -> {
      ActorRef<Object> self = ctx.getSelf();
      for (int id : members) {
        receptionist.tell(Receptionist.subscribe(inlineKey(id), self.narrow()));
        receptionist.tell(Receptionist.subscribe(bulkKey(id), self.narrow()));
      }
      ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
      String selfPath = resolver.toSerializationFormat(self);
      SecureRandom random = new SecureRandom();
      Map<ServiceKey<Frame>, Candidates> keys = new HashMap<>(); // this actor's alone
      for (int id : members) {
        keys.put(inlineKey(id), new Candidates(id, true));
        keys.put(bulkKey(id), new Candidates(id, false));
      }
      Map<ByteString, ActorRef<Frame>> byNonce = new HashMap<>();
      Map<ActorRef<Frame>, Candidates> owner = new HashMap<>();

      class Directory {
        void probe(ActorRef<Frame> ref, Pending p, long now) {
          p.asked++;
          p.nextNanos = now + p.waitNanos;
          p.waitNanos = Math.min(2 * p.waitNanos, MAX_RETRY.toNanos());
          Candidates c = owner.get(ref);
          if (p.asked == REPORT_AFTER + 1) {
            refusals.warn(LOG, "an endpoint registered for node " + c.node + " at " + ref.path().address()
                + " has not proven it holds node " + c.node + "'s certificate after " + REPORT_AFTER + " checks;"
                + " no message goes to it");
          }
          ref.tell(Frame.newBuilder().setProbe(RouteProbe.newBuilder().setNode(c.node).setMember(identity.member())
              .setNonce(p.nonce).setCertificate(ByteString.copyFrom(identity.certificate())).setReplyTo(selfPath)).build());
        }

        void listing(Receptionist.Listing listing) {
          long now = System.nanoTime();
          for (var e : keys.entrySet()) {
            if (!listing.isForKey(e.getKey())) {
              continue;
            }
            Candidates c = e.getValue();
            Set<ActorRef<Frame>> present = listing.getServiceInstances(e.getKey());
            for (var it = c.pending.entrySet().iterator(); it.hasNext(); ) {
              var p = it.next();
              if (!present.contains(p.getKey())) {
                byNonce.remove(p.getValue().nonce);
                owner.remove(p.getKey());
                it.remove();
              }
            }
            c.proven.removeIf(r -> {
              boolean gone = !present.contains(r);
              if (gone) {
                owner.remove(r);
              }
              return gone;
            });
            for (ActorRef<Frame> ref : present) {
              if (c.pending.containsKey(ref) || c.proven.contains(ref)) {
                continue;
              }
              owner.put(ref, c);
              if (identity == null) {
                c.proven.add(ref);
              } else {
                byte[] raw = new byte[16];
                random.nextBytes(raw);
                Pending p = new Pending(ByteString.copyFrom(raw), now);
                c.pending.put(ref, p);
                byNonce.put(p.nonce, ref);
                probe(ref, p, now);
              }
            }
            install(c);
          }
        }

        void proof(RouteProof proof) {
          ActorRef<Frame> ref = byNonce.get(proof.getNonce());
          Candidates c = ref == null ? null : owner.get(ref);
          if (c == null) {
            return; // an answer to a probe of an endpoint that is gone, or to none
          }
          String where = "route check of node " + c.node + " at " + ref.path().address();
          try {
            String expected = resolver.toSerializationFormat(ref);
            if (!expected.equals(proof.getEndpoint())) {
              throw new InvalidMessageException(where + ": answered for endpoint " + proof.getEndpoint() + " (relayed)");
            }
            if (proof.getNode() != c.node) {
              throw new InvalidMessageException(where + ": answered for node " + proof.getNode());
            }
            Identity.Peer peer = identity.verify(proof.getCertificate(), where);
            if (peer.member() != hostOf.applyAsInt(c.node)) {
              throw new InvalidMessageException(where + ": answered with the certificate of node " + peer.member()
                  + ", which does not speak for node " + c.node);
            }
            byte[] mac = Identity.routeMac(peer, c.node, identity.member(), proof.getNonce(), proof.getEndpoint());
            if (!Identity.same(mac, proof.getMac())) {
              throw new InvalidMessageException(where + ": the proof does not check (not the holder of node "
                  + peer.member() + "'s key)");
            }
          } catch (InvalidMessageException e) {
            refusals.warn(LOG, "refused a route: " + e.getMessage());
            return;
          }
          byNonce.remove(proof.getNonce());
          c.pending.remove(ref);
          c.proven.add(ref);
          install(c);
          changed.run();
        }

        void retry() {
          long now = System.nanoTime();
          for (Candidates c : keys.values()) {
            for (var p : c.pending.entrySet()) {
              if (now - p.getValue().nextNanos >= 0) {
                probe(p.getKey(), p.getValue(), now);
              }
            }
          }
        }

        void install(Candidates c) {
          Map<Integer, ActorRef<Frame>> routes = c.inlineStream ? inline : bulk;
          if (c.proven.isEmpty()) {
            routes.remove(c.node);
          } else {
            routes.put(c.node, c.proven.get(c.proven.size() - 1));
          }
        }
      }
      Directory d = new Directory();
      return Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay("flush", FLUSH, Duration.ofMillis(500));
        return Behaviors.<Object>receiveMessage(msg -> {
          if (msg instanceof Receptionist.Listing listing) {
            d.listing(listing);
          } else if (msg instanceof Frame f && f.hasProof() && identity != null) {
            d.proof(f.getProof());
          } else if (msg == FLUSH && identity != null) {
            d.retry();
          }
          changed.run();
          return Behaviors.same();
        });
      });
    });
  }
}
