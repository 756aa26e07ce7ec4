package dev.starling.simulator.runtime;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.proto.Envelope;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntPredicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The simulated network: every envelope is charged its real serialized protobuf size, delayed
 * by the {@link LinkModel} (sender upload queue, latency, receiver download queue) on virtual
 * time, and delivered by the driver to the receiver's inbox. Bytes and messages are counted
 * by direction: "up" is traffic into a server, "down" traffic out of one.
 */
public final class SimNetwork {

  private final EventQueue queue;
  private final LinkModel links;
  private final IntPredicate isServer;
  private final SplittableRandom rng;
  /** Written by node setup (which Pekko runs on its own thread), read by the driver. */
  private final AtomicReferenceArray<ActorRef<Inbound>> inboxes;
  private final long[] seq;
  private final long[] uplinkFreeAt;
  private final long[] downlinkFreeAt;
  /** Where the roles' rejections are logged (the simulated nodes are the project's own: rare, so not rate-limited). */
  private static final org.slf4j.Logger REJECTIONS = org.slf4j.LoggerFactory.getLogger("dev.starling.node.rejections");
  private long rejected;
  private long bytesUp;
  private long bytesDown;
  private long bytesOther;
  private long messages;
  private long bytesModel;
  private long bytesView;
  private long bytesControl;
  private long lost;

  public SimNetwork(EventQueue queue, LinkModel links, int nodes, IntPredicate isServer, long seed) {
    this.queue = queue;
    this.links = links;
    this.isServer = isServer;
    this.rng = new SplittableRandom(seed);
    this.inboxes = new AtomicReferenceArray<>(nodes);
    this.seq = new long[nodes];
    this.uplinkFreeAt = new long[nodes];
    this.downlinkFreeAt = new long[nodes];
  }

  /** The port of node {@code id}. */
  public Network forNode(int id) {
    return new Network() {
      @Override
      public void send(int to, Envelope.Builder message) {
        SimNetwork.this.send(id, to, message);
      }

      @Override
      public void bind(ActorRef<Inbound> inbox) {
        inboxes.set(id, inbox);
      }

      @Override
      public void rejected(int from, String format, Object... args) {
        SimNetwork.this.rejected++;
        REJECTIONS.warn(format, args);
      }
    };
  }

  private IntPredicate wake = id -> false;

  /**
   * A message reaching a node that is not bound first asks {@code wake} to start it (true when it
   * did, and the node bound its inbox): how the harness starts nodes on demand.
   */
  void wakeWith(IntPredicate wake) {
    this.wake = wake;
  }

  /** Node {@code id} is down: what reaches it from now on is dropped (and counted as sent). */
  public void unbind(int id) {
    inboxes.set(id, null);
  }

  public boolean isBound(int id) {
    return inboxes.get(id) != null;
  }

  /**
   * Where a shard's nodes send: the envelope, stamped with its sender and sequence number here,
   * goes to the coordinator, which charges and times it on the one network every shard shares.
   */
  @FunctionalInterface
  interface Uplink {
    void sent(int to, Envelope env);
  }

  private Uplink uplink;

  void sendThrough(Uplink uplink) {
    this.uplink = uplink;
  }

  /** A node's delivery is the shard's that holds it (the coordinator's for its own nodes). */
  @FunctionalInterface
  interface Downlink {
    /** @return false when node {@code to} is this JVM's, to be delivered here */
    boolean deliver(int to, int from, Envelope env);
  }

  private Downlink downlink = (to, from, env) -> false;

  void deliverThrough(Downlink downlink) {
    this.downlink = downlink;
  }

  /** Which shard a delivery to node {@code to} only commands (-1: it is delivered here); see {@link EventQueue#after(long, int, Runnable)}. */
  private java.util.function.IntUnaryOperator remote = to -> -1;

  void remoteShards(java.util.function.IntUnaryOperator shardOf) {
    this.remote = shardOf;
  }

  private void send(int from, int to, Envelope.Builder builder) {
    if (to < 0 || to >= inboxes.length()) {
      throw new IllegalArgumentException("node " + from + " sent to unknown node " + to);
    }
    Envelope env = builder.setSender(from).setSeq(seq[from]++).build();
    if (uplink != null) {
      uplink.sent(to, env);
      return;
    }
    route(from, to, env);
  }

  /**
   * Charges {@code env} (from node {@code from}, stamped) to the links and schedules its
   * arrival: every send of a run passes here, in the order the nodes made them.
   */
  void route(int from, int to, Envelope env) {
    if (to < 0 || to >= inboxes.length() || from < 0 || from >= inboxes.length()) {
      throw new IllegalArgumentException("node " + from + " sent to unknown node " + to);
    }
    int bytes = env.getSerializedSize();
    messages++;
    switch (env.getBodyCase()) {
      case PING, PONG, ADVERTISE, AGG_ACK, RUN_DONE, EVALUATE_RESULT, SECAGG_KEYS, SECAGG_ROSTER, SECAGG_SHARES,
          SECAGG_FORWARD, SECAGG_UNMASK, SECAGG_REVEAL -> bytesControl += bytes;
      case PEER_MODEL -> {
        int view = env.getPeerModel().hasView()
            ? com.google.protobuf.CodedOutputStream.computeMessageSize(4, env.getPeerModel().getView()) : 0;
        bytesView += view;
        bytesModel += bytes - view;
      }
      default -> bytesModel += bytes;
    }
    if (isServer.test(to)) {
      bytesUp += bytes;
    } else if (isServer.test(from)) {
      bytesDown += bytes;
    } else {
      bytesOther += bytes;
    }
    long now = queue.nowNanos();
    long txStart = Math.max(now, uplinkFreeAt[from]);
    long txEnd = txStart + nanos(bytes / links.uplinkBytesPerSecond(from));
    uplinkFreeAt[from] = txEnd;
    long arrival = txEnd + nanos(links.latencySeconds(from, to, rng));
    if (links.lossProbability() > 0 && rng.nextDouble() < links.lossProbability()) {
      lost++;
      return;
    }
    long rxStart = Math.max(arrival, downlinkFreeAt[to]);
    long rxEnd = rxStart + nanos(bytes / links.downlinkBytesPerSecond(to));
    downlinkFreeAt[to] = rxEnd;
    queue.after(rxEnd - now, remote.applyAsInt(to), () -> {
      if (!downlink.deliver(to, from, env)) {
        deliver(to, from, env);
      }
    });
  }

  /** Hands {@code env} to node {@code to}'s inbox, starting the node if it runs on demand; dropped if it is down. */
  void deliver(int to, int from, Envelope env) {
    ActorRef<Inbound> inbox = inboxes.get(to);
    if (inbox == null && wake.test(to)) {
      inbox = inboxes.get(to);
    }
    if (inbox != null) {
      inbox.tell(new Inbound(from, env));
    }
  }

  /** Adds rejections a shard's nodes made. */
  void addRejected(long n) {
    rejected += n;
  }

  private static long nanos(double seconds) {
    return Math.round(seconds * 1e9);
  }

  /** Messages the roles rejected (invalid, unexpected or stale). */
  public long rejected() {
    return rejected;
  }

  public long bytesUp() {
    return bytesUp;
  }

  public long bytesDown() {
    return bytesDown;
  }

  public long bytesTotal() {
    return bytesUp + bytesDown + bytesOther;
  }

  /** Bytes of messages that carry models (with their envelopes), less any view they carry. */
  public long bytesModel() {
    return bytesModel;
  }

  /** Bytes of MoDeST views shipped with models. */
  public long bytesView() {
    return bytesView;
  }

  /** Bytes of control messages: pings, pongs, advertisements, acknowledgements. */
  public long bytesControl() {
    return bytesControl;
  }

  public long messages() {
    return messages;
  }

  public long lost() {
    return lost;
  }
}
