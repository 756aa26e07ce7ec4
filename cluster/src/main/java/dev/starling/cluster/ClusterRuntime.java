package dev.starling.cluster;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.RunDone;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster runtime of one JVM: a Pekko cluster member whose node ids (usually one) talk to the
 * other members' node ids through the {@link Network} port.
 *
 * <p>Each local node id has two endpoint actors, {@code /user/net-<id>} for single-frame messages
 * on Artery's ordinary stream and {@code /user/bulk-<id>} for the frames of large messages on the
 * large-message stream, registered with the cluster Receptionist under {@code starling-net-<id>}
 * and {@code starling-bulk-<id>}. A directory actor subscribes to every member's keys, so a send
 * finds its route without a lookup. Sending serializes the envelope once and cuts it into frames
 * (slices of that one array); receiving validates and reassembles them ({@link FrameAssembler})
 * and hands the envelope to the node's bound inbox. A {@code RunDone} envelope goes to the
 * run-done handler instead.
 */
public final class ClusterRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);
  private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(120);

  private final ActorSystem<SpawnRequest> system;
  private final ClusterSettings settings;
  private final SortedSet<Integer> members;
  private final Map<Integer, ActorRef<Frame>> inlineRoutes = new ConcurrentHashMap<>();
  private final Map<Integer, ActorRef<Frame>> bulkRoutes = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicReference<ActorRef<Inbound>>> inboxes = new ConcurrentHashMap<>();
  /** Local node id to its inline and bulk endpoints. */
  private final Map<Integer, List<ActorRef<Object>>> endpoints = new ConcurrentHashMap<>();
  private final AtomicLong transferIds = new AtomicLong(System.nanoTime() & 0x7FFF_FFFF_FFFFL);
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong messagesSent = new AtomicLong();
  private final AtomicLong messagesReceived = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong unrouted = new AtomicLong();
  private volatile BiConsumer<Integer, RunDone> runDone = (from, r) -> {};

  /** Asks the guardian to spawn a top-level actor (under /user). */
  private record SpawnRequest(String name, Behavior<?> behavior, CompletableFuture<ActorRef<?>> created) {}

  private ClusterRuntime(ClusterSettings settings, Collection<Integer> members) {
    this.settings = settings;
    this.members = new TreeSet<>(members);
    this.system = ActorSystem.create(Behaviors.receive((ctx, msg) -> {
      try {
        msg.created().complete(ctx.spawn(msg.behavior(), msg.name()));
      } catch (RuntimeException e) {
        msg.created().completeExceptionally(e);
      }
      return Behaviors.same();
    }), settings.systemName(), settings.pekkoConfig());
    spawn("directory", directory());
  }

  /**
   * Starts this JVM's cluster member.
   *
   * @param members every node id of the run (routes are looked up for these)
   */
  public static ClusterRuntime start(ClusterSettings settings, Collection<Integer> members) {
    return new ClusterRuntime(settings, members);
  }

  public static ServiceKey<Frame> inlineKey(int id) {
    return ServiceKey.create(Frame.class, "starling-net-" + id);
  }

  public static ServiceKey<Frame> bulkKey(int id) {
    return ServiceKey.create(Frame.class, "starling-bulk-" + id);
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** Spawns a top-level actor; its setup has run when this returns. */
  @SuppressWarnings("unchecked")
  public <T> ActorRef<T> spawn(String name, Behavior<T> behavior) {
    CompletableFuture<ActorRef<?>> created = new CompletableFuture<>();
    system.tell(new SpawnRequest(name, behavior, created));
    try {
      return (ActorRef<T>) created.get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(name + " failed to start: " + e, e);
    }
  }

  /** Called (on an actor thread) when a member announces the end of the run. */
  public void onRunDone(BiConsumer<Integer, RunDone> handler) {
    this.runDone = handler;
  }

  /**
   * The network port of local node {@code id}: spawns its endpoints on first use. They are
   * registered with the Receptionist when the node binds its inbox, so no member routes a message
   * to it before there is someone to deliver it to (a frame for an unbound node would be dropped).
   */
  public Network network(int id) {
    inboxes.computeIfAbsent(id, k -> {
      AtomicReference<ActorRef<Inbound>> inbox = new AtomicReference<>();
      endpoints.put(id, List.of(spawn("net-" + id, endpoint(id, inbox)), spawn("bulk-" + id, endpoint(id, inbox))));
      return inbox;
    });
    AtomicLong seq = new AtomicLong();
    return new Network() {
      @Override
      public void send(int to, Envelope.Builder message) {
        Envelope env = message.setSender(id).setSeq(seq.getAndIncrement()).build();
        sendEnvelope(id, to, env);
      }

      @Override
      public void bind(ActorRef<Inbound> inbox) {
        if (inboxes.get(id).getAndSet(inbox) == null) {
          var receptionist = system.receptionist();
          receptionist.tell(Receptionist.register(inlineKey(id), endpoints.get(id).get(0).narrow()));
          receptionist.tell(Receptionist.register(bulkKey(id), endpoints.get(id).get(1).narrow()));
        }
      }
    };
  }

  private void sendEnvelope(int from, int to, Envelope env) {
    FrameAssembler.Encoded enc = FrameAssembler.encode(env); // nothing of size is copied
    int size = enc.bytes().size();
    if (size > settings.maxMessageBytes()) {
      rejected.incrementAndGet();
      LOG.error("node {} did not send a {}-byte {} to node {}: larger than max-message-bytes = {}", from, size,
          env.getBodyCase(), to, settings.maxMessageBytes());
      return;
    }
    boolean inline = size <= ClusterSettings.INLINE_BYTES;
    int chunk = inline ? Math.max(size, 1) : settings.chunkBytes();
    Outgoing o = new Outgoing(from, to, inline, env.getBodyCase(), size,
        FrameAssembler.split(from, transferIds.getAndIncrement(), enc, chunk), System.nanoTime() + HOLD.toNanos());
    synchronized (pending) {
      if (!pending.isEmpty() || !deliver(o)) {
        // No route yet (a member that just joined or restarted is known to the Receptionist a
        // moment later): hold the message briefly rather than lose it. Order is kept.
        if (pendingBytes + o.bytes() > settings.maxMessageBytes()) {
          unrouted.incrementAndGet();
          LOG.warn("node {} has no route to node {} and {} bytes already wait; dropped {}", from, to, pendingBytes,
              o.kind());
          return;
        }
        pending.add(o);
        pendingBytes += o.bytes();
        flushPending();
      }
    }
  }

  /** How long a message waits for a route to its destination before it is dropped. */
  private static final Duration HOLD = Duration.ofSeconds(15);

  private record Outgoing(int from, int to, boolean inline, Envelope.BodyCase kind, int bytes, List<Frame> frames,
      long expiresNanos) {}

  private final java.util.ArrayDeque<Outgoing> pending = new java.util.ArrayDeque<>();
  private long pendingBytes;

  /** Sends {@code o} if its destination has a route; false otherwise. */
  private boolean deliver(Outgoing o) {
    ActorRef<Frame> route = (o.inline() ? inlineRoutes : bulkRoutes).get(o.to());
    if (route == null) {
      return false;
    }
    for (Frame f : o.frames()) {
      route.tell(f);
    }
    bytesSent.addAndGet(o.bytes());
    messagesSent.incrementAndGet();
    return true;
  }

  /** Sends held messages whose route is now known (per destination in order); drops expired ones. */
  private void flushPending() {
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
          unrouted.incrementAndGet();
          LOG.warn("node {} found no route to node {} within {} s (not registered, or gone); dropped {}", o.from(), o.to(),
              HOLD.toSeconds(), o.kind());
        } else {
          blocked.add(o.to());
        }
      }
    }
  }

  /** The current route to node {@code id}'s inline or bulk endpoint, or null (for diagnostics and tests). */
  public ActorRef<Frame> route(int id, boolean bulk) {
    return (bulk ? bulkRoutes : inlineRoutes).get(id);
  }

  /** Sends a RunDone from local node {@code from} to every other member. */
  public void broadcastRunDone(int from, int rounds, String reason) {
    for (int to : members) {
      if (to != from && !inboxes.containsKey(to)) {
        sendEnvelope(from, to, Envelope.newBuilder().setSender(from).setRunDone(
            RunDone.newBuilder().setRounds(rounds).setReason(reason == null ? "" : reason)).build());
      }
    }
  }

  private record Sweep() {}

  /** One receiving endpoint: validates and reassembles frames, delivers envelopes. */
  private Behavior<Object> endpoint(int id, AtomicReference<ActorRef<Inbound>> inbox) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay("sweep", new Sweep(), Duration.ofSeconds(10));
      // Frames of a single-frame message are never held; chunk size bounds frames of large ones.
      FrameAssembler assembler = new FrameAssembler(settings.chunkBytes(), settings.maxMessageBytes(),
          2 * settings.maxMessageBytes(), members::contains);
      return Behaviors.receive(Object.class)
          .onMessage(Sweep.class, s -> {
            int n = assembler.expire(System.nanoTime() - TRANSFER_TIMEOUT.toNanos());
            if (n > 0) {
              rejected.addAndGet(n);
              LOG.warn("node {} dropped {} transfer(s) unfinished after {} s", id, n, TRANSFER_TIMEOUT.toSeconds());
            }
            return Behaviors.same();
          })
          .onMessage(Frame.class, f -> {
            bytesReceived.addAndGet(f.getData().size());
            Envelope env;
            try {
              var done = assembler.accept(f, System.nanoTime());
              if (done.isEmpty()) {
                return Behaviors.same();
              }
              env = done.get();
            } catch (InvalidMessageException e) {
              rejected.incrementAndGet();
              LOG.warn("node {} rejected a message: {}", id, e.getMessage());
              return Behaviors.same();
            }
            messagesReceived.incrementAndGet();
            if (env.getBodyCase() == Envelope.BodyCase.RUN_DONE) {
              runDone.accept(env.getSender(), env.getRunDone());
              return Behaviors.same();
            }
            ActorRef<Inbound> to = inbox.get();
            if (to != null) {
              to.tell(new Inbound(env.getSender(), env));
            }
            return Behaviors.same();
          })
          .onAnyMessage(m -> {
            LOG.warn("node {} ignored a {}", id, m.getClass().getName());
            return Behaviors.same();
          })
          .build();
    }));
  }

  /** Keeps the routes to every member's endpoints current from the Receptionist. */
  private static final Object FLUSH = "flush";

  private Behavior<Object> directory() {
    return Behaviors.setup(ctx -> {
      ActorRef<Receptionist.Listing> self = ctx.getSelf().narrow();
      for (int id : members) {
        system.receptionist().tell(Receptionist.subscribe(inlineKey(id), self));
        system.receptionist().tell(Receptionist.subscribe(bulkKey(id), self));
      }
      Map<ServiceKey<Frame>, Set<ActorRef<Frame>>> seen = new java.util.HashMap<>(); // this actor's alone
      return Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay("flush", FLUSH, Duration.ofMillis(500));
        return Behaviors.<Object>receiveMessage(msg -> {
          if (msg instanceof Receptionist.Listing listing) {
            for (int id : members) {
              update(listing, inlineKey(id), id, inlineRoutes, seen);
              update(listing, bulkKey(id), id, bulkRoutes, seen);
            }
          }
          flushPending();
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
    // A restarted member registers again before its old incarnation is removed: prefer the new one.
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

  /** Whether routes to every one of {@code ids} are known, waiting up to {@code timeout}. */
  public boolean awaitRoutes(Collection<Integer> ids, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean all = true;
      for (int id : ids) {
        all &= inlineRoutes.containsKey(id) && bulkRoutes.containsKey(id);
      }
      if (all) {
        return true;
      }
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(100);
    }
  }

  /** Ids among {@code ids} with no route yet. */
  public SortedSet<Integer> missing(Collection<Integer> ids) {
    SortedSet<Integer> out = new TreeSet<>();
    for (int id : ids) {
      if (!inlineRoutes.containsKey(id) || !bulkRoutes.containsKey(id)) {
        out.add(id);
      }
    }
    return out;
  }

  /** Whether this member became Up within {@code timeout}. */
  public boolean awaitUp(Duration timeout) throws InterruptedException {
    Cluster cluster = Cluster.get(system);
    long end = System.nanoTime() + timeout.toNanos();
    while (cluster.selfMember().status() != MemberStatus.up()) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  /** Traffic counters of this JVM. */
  public record Stats(long bytesSent, long bytesReceived, long messagesSent, long messagesReceived, long rejected,
      long unrouted) {}

  public Stats stats() {
    return new Stats(bytesSent.get(), bytesReceived.get(), messagesSent.get(), messagesReceived.get(), rejected.get(),
        unrouted.get());
  }

  /** Leaves the cluster gracefully and stops the actor system. */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("actor system did not stop within 30 s: {}", e.toString());
    }
  }
}
