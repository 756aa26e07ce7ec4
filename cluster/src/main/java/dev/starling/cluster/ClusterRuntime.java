package dev.starling.cluster;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.RunDone;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import java.util.function.IntUnaryOperator;
import com.google.protobuf.ByteString;
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
 * and {@code starling-bulk-<id>}; {@link Routes} keeps the routes to every member's endpoints.
 * Sending serializes the envelope once and cuts it into frames (slices of that one array) for the
 * {@link Outbox}; an {@link Endpoint} validates and reassembles them and hands the envelope to the
 * node's bound inbox (a {@code RunDone} to the run-done handler).
 *
 * <p>With TLS the member's {@link Identity} comes from its keystore before Pekko starts (a wrong
 * password is one line), a local node id must be one its certificate speaks for, routes are used
 * only once proven, and every transfer carries a MAC only the two certificate holders can make.
 */
public final class ClusterRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);

  private final ActorSystem<SpawnRequest> system;
  private final ClusterSettings settings;
  private final SortedSet<Integer> members;
  private final Identity identity;
  private final IntUnaryOperator hostOf;
  private final Routes routes;
  private final Outbox outbox;
  private final Traffic traffic = new Traffic();
  /** Rejections by this member's roles: peers can cause them at will, so they are logged at a bounded rate. */
  private final LogLimit roleRejections = new LogLimit(20, TimeUnit.SECONDS.toNanos(10));
  private final Map<Integer, AtomicReference<ActorRef<Inbound>>> inboxes = new ConcurrentHashMap<>();
  /** Local node id to its inline and bulk endpoints. */
  private final Map<Integer, List<ActorRef<Object>>> endpoints = new ConcurrentHashMap<>();
  private final AtomicLong transferIds = new AtomicLong(System.nanoTime() & 0x7FFF_FFFF_FFFFL);
  private volatile BiConsumer<Integer, RunDone> runDone = (from, r) -> {};
  private volatile Consumer<String> failure = what -> LOG.error("{}; this member cannot go on", what);

  /** Asks the guardian to spawn a top-level actor (under /user). */
  private record SpawnRequest(String name, Behavior<?> behavior, CompletableFuture<ActorRef<?>> created) {}

  private ClusterRuntime(ClusterSettings settings, Collection<Integer> members, IntUnaryOperator hostOf) {
    this.settings = settings;
    this.members = new TreeSet<>(members);
    this.hostOf = hostOf;
    this.identity = settings.tls() == null ? null : Identity.load(settings.tls());
    if (identity == null) {
      LOG.warn("cluster.tls is off: members are not authenticated, and any process that reaches this port can claim"
          + " any node id");
    }
    this.routes = new Routes(this.members, identity, hostOf);
    this.outbox = new Outbox(routes, traffic, settings.maxMessageBytes());
    // The guardian spawns every top-level actor (roles, endpoints, the directory) and watches it:
    // one that fails is reported to the failure handler instead of leaving its member waiting.
    this.system = ActorSystem.create(Behaviors.<SpawnRequest>receive((ctx, msg) -> {
      try {
        ActorRef<?> child = ctx.spawn(stopQuietly(msg.behavior()), msg.name());
        ctx.watch(child);
        msg.created().complete(child);
      } catch (RuntimeException e) {
        msg.created().completeExceptionally(e);
      }
      return Behaviors.same();
    }, (ctx, signal) -> {
      if (signal instanceof ChildFailed failed) {
        failure.accept(failed.getRef().path().name() + " failed: " + describe(failed.getCause()));
      }
      return Behaviors.same();
    }), settings.systemName(), settings.pekkoConfig());
    spawn("directory", routes.directory(system.receptionist(), outbox::flush));
  }

  /**
   * Starts this JVM's cluster member.
   *
   * @param members every node id of the run (routes are looked up for these)
   */
  public static ClusterRuntime start(ClusterSettings settings, Collection<Integer> members) {
    return start(settings, members, id -> id);
  }

  /**
   * Starts this JVM's cluster member.
   *
   * @param members every node id of the run (routes are looked up for these)
   * @param hostOf the member whose certificate speaks for each node id (itself, except for nodes
   *     hosted inside another member's JVM, like DiLoCo's reducer)
   */
  public static ClusterRuntime start(ClusterSettings settings, Collection<Integer> members, IntUnaryOperator hostOf) {
    return new ClusterRuntime(settings, members, hostOf);
  }

  /** The node id this member's certificate names, or -1 without TLS. */
  public int certifiedId() {
    return identity == null ? -1 : identity.member();
  }

  public static ServiceKey<Frame> inlineKey(int id) {
    return Routes.inlineKey(id);
  }

  public static ServiceKey<Frame> bulkKey(int id) {
    return Routes.bulkKey(id);
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

  /** {@code b}, stopped (without Pekko's multi-line log) when it throws, so its watcher learns why. */
  private static <T> Behavior<T> stopQuietly(Behavior<T> b) {
    return Behaviors.supervise(b).onFailure(Throwable.class, SupervisorStrategy.stop().withLoggingEnabled(false));
  }

  /** The exception and where it was thrown, in one line. */
  static String describe(Throwable t) {
    StackTraceElement[] st = t.getStackTrace();
    return t + (st.length > 0 ? " (at " + st[0].getClassName().replaceAll(".*\\.", "") + "." + st[0].getMethodName() + ":"
        + st[0].getLineNumber() + ")" : "");
  }

  /**
   * Called (on an actor thread) when a top-level actor of this member (a role, an endpoint) fails
   * with an exception, with one line saying which and why; the member should end the run.
   */
  public void onFailure(Consumer<String> handler) {
    this.failure = handler;
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
    if (identity != null && hostOf.applyAsInt(id) != identity.member()) {
      throw new dev.starling.node.UserError("this member's certificate is node " + identity.member() + "'s, which cannot"
          + " speak for node " + id + " (start it with node-" + hostOf.applyAsInt(id) + ".p12)");
    }
    inboxes.computeIfAbsent(id, k -> {
      AtomicReference<ActorRef<Inbound>> inbox = new AtomicReference<>();
      endpoints.put(id, List.of(spawn("net-" + id, endpoint(id, inbox)), spawn("bulk-" + id, endpoint(id, inbox))));
      return inbox;
    });
    AtomicLong seq = new AtomicLong();
    return new Network() {
      @Override
      public void send(int to, Envelope.Builder message) {
        Envelope env = message.setSender(id).setSeq(seq.getAndIncrement()).setWireVersion(ClusterSettings.WIRE_VERSION)
            .setRunId(settings.runId()).build();
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

      @Override
      public void rejected(int from, String format, Object... args) {
        traffic.rejected.incrementAndGet();
        roleRejections.warn(LOG, org.slf4j.helpers.MessageFormatter.arrayFormat(format, args).getMessage());
      }
    };
  }

  /**
   * Sends arbitrary bytes as the envelope of local node {@code from} (framed and authenticated as
   * any message of it): what a faulty or malicious member can always do, for fuzzing the
   * receivers. Roles never call it.
   */
  public void sendBytes(int from, int to, byte[] bytes) {
    if (!inboxes.containsKey(from)) {
      throw new IllegalArgumentException("node " + from + " is not hosted here (call network(" + from + ") first)");
    }
    send(from, to, new FrameAssembler.Encoded(ByteString.copyFrom(bytes), List.of()), Envelope.BodyCase.BODY_NOT_SET);
  }

  private void sendEnvelope(int from, int to, Envelope env) {
    send(from, to, FrameAssembler.encode(env), env.getBodyCase()); // nothing of size is copied
  }

  private void send(int from, int to, FrameAssembler.Encoded enc, Envelope.BodyCase kind) {
    int size = enc.bytes().size();
    if (size > settings.maxMessageBytes()) {
      traffic.rejected.incrementAndGet();
      LOG.error("node {} did not send a {}-byte {} to node {}: larger than max-message-bytes = {}", from, size,
          kind, to, settings.maxMessageBytes());
      return;
    }
    boolean inline = size <= ClusterSettings.INLINE_BYTES;
    int chunk = inline ? Math.max(size, 1) : settings.chunkBytes();
    long transfer = transferIds.getAndIncrement();
    outbox.send(new Outbox.Outgoing(from, to, inline, kind, size, new Outbox.Framing() {
      @Override
      public List<Frame> frames() {
        return FrameAssembler.split(from, transfer, enc, chunk);
      }

      @Override
      public Frame seal(Frame f) {
        if (identity == null) {
          return f;
        }
        // A route is installed only after its endpoint proved the certificate: the peer is known.
        Identity.Peer peer = identity.peer(hostOf.applyAsInt(to));
        return f.toBuilder().setMac(ByteString.copyFrom(Identity.frameMac(peer, to, f))).build();
      }
    }, System.nanoTime() + Outbox.HOLD.toNanos()));
  }

  /** The current route to node {@code id}'s inline or bulk endpoint, or null (for diagnostics and tests). */
  public ActorRef<Frame> route(int id, boolean bulk) {
    return routes.get(id, !bulk);
  }

  /** Sends a RunDone from local node {@code from} to every other member. */
  public void broadcastRunDone(int from, int rounds, String reason) {
    for (int to : members) {
      if (to != from && !inboxes.containsKey(to)) {
        sendEnvelope(from, to, Envelope.newBuilder().setSender(from).setWireVersion(ClusterSettings.WIRE_VERSION)
            .setRunId(settings.runId()).setRunDone(
            RunDone.newBuilder().setRounds(rounds).setReason(reason == null ? "" : reason)).build());
      }
    }
  }

  private Behavior<Object> endpoint(int id, AtomicReference<ActorRef<Inbound>> inbox) {
    return Endpoint.behavior(id, inbox, settings, members, traffic, () -> runDone, identity, hostOf);
  }

  /** Whether routes to every one of {@code ids} are known, waiting up to {@code timeout}. */
  public boolean awaitRoutes(Collection<Integer> ids, Duration timeout) throws InterruptedException {
    return routes.await(ids, timeout);
  }

  /** Whether routes to at least {@code atLeast} of {@code ids} are known, waiting up to {@code timeout}. */
  public boolean awaitRoutes(Collection<Integer> ids, int atLeast, Duration timeout) throws InterruptedException {
    return routes.await(ids, atLeast, timeout);
  }

  /** Ids among {@code ids} with no route yet. */
  public SortedSet<Integer> missing(Collection<Integer> ids) {
    return routes.missing(ids);
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
    return new Stats(traffic.bytesSent.get(), traffic.bytesReceived.get(), traffic.messagesSent.get(),
        traffic.messagesReceived.get(), traffic.rejected.get(), traffic.unrouted.get());
  }

  /** Leaves the cluster gracefully and stops the actor system. */
  @Override
  public void close() {
    if (!ActorSystems.stop(system, java.time.Duration.ofSeconds(30))) {
      LOG.warn("actor system did not stop within 30 s");
    }
  }
}
