package dev.starling.cluster;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.RunDone;
import com.google.protobuf.ByteString;
import dev.starling.node.wire.proto.RouteProbe;
import dev.starling.node.wire.proto.RouteProof;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import org.apache.pekko.actor.typed.ActorRefResolver;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One receiving endpoint of a local node: validates and reassembles frames
 * ({@link FrameAssembler}), with TLS checks each frame's MAC against the certificate of the
 * member that speaks for its sender and answers route checks ({@link Routes}), drops transfers
 * stalled for {@link #STALL_TIMEOUT}, hands each envelope to the node's bound inbox,
 * and a {@code RunDone} to the run-done handler. Rejections are counted and logged at a bounded
 * rate.
 */
final class Endpoint {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);
  /** A transfer with no frame for this long is dropped (a 4 MiB frame in 30 s is 140 KB/s). */
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);

  private record Sweep() {}

  /** Frames one sender may deliver to one endpoint per second, and the burst it may save up. */
  static final double FRAMES_PER_S = 2000;
  static final double BURST = 4000;

  /** A token bucket per sender: a peer flooding an endpoint loses its excess frames, counted and logged at a bounded rate. */
  static final class SenderRate {
    private final java.util.Map<Integer, double[]> buckets = new java.util.HashMap<>();

    /** Whether one more frame of {@code sender} at {@code nowNanos} is within its rate. */
    boolean allow(int sender, long nowNanos) {
      double[] b = buckets.computeIfAbsent(sender, s -> new double[] {BURST, nowNanos});
      b[0] = Math.min(BURST, b[0] + (nowNanos - (long) b[1]) * 1e-9 * FRAMES_PER_S);
      b[1] = nowNanos;
      if (b[0] < 1) {
        return false;
      }
      b[0] -= 1;
      return true;
    }
  }

  private Endpoint() {}

  static Behavior<Object> behavior(int id, AtomicReference<ActorRef<Inbound>> inbox, ClusterSettings settings,
      Set<Integer> members, Traffic traffic, Supplier<BiConsumer<Integer, RunDone>> runDone, Identity identity,
      IntUnaryOperator hostOf) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay("sweep", new Sweep(), Duration.ofSeconds(5));
      LogLimit rejections = new LogLimit(20, TimeUnit.SECONDS.toNanos(10));
      SenderRate rate = new SenderRate();
      ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
      String selfPath = resolver.toSerializationFormat(ctx.getSelf());
      // Each frame's MAC is checked before the assembler keeps anything for it, and the rate is
      // then charged to the member that proved itself: a forged frame can neither disturb
      // another node's transfers nor use up its budget.
      FrameAssembler.Check check = f -> {
        int sender = f.getSender();
        if (identity != null) {
          Identity.Peer peer = identity.peer(hostOf.applyAsInt(sender));
          if (peer == null) {
            throw new InvalidMessageException("a message as node " + sender + " before node " + hostOf.applyAsInt(sender)
                + "'s certificate holder proved itself (a route check); dropped");
          }
          if (!Identity.same(Identity.frameMac(peer, id, f), f.getMac())) {
            throw new InvalidMessageException("a frame claiming to be from node " + sender + " does not carry node "
                + peer.member() + "'s MAC (another member posing as it, or altered); dropped");
          }
        }
        if (!rate.allow(sender, System.nanoTime())) {
          throw new InvalidMessageException("frames of node " + sender + " beyond " + (int) FRAMES_PER_S
              + " per second; dropped");
        }
      };
      // Frames of a single-frame message are never held; chunk size bounds frames of large ones.
      FrameAssembler assembler = new FrameAssembler(settings.chunkBytes(), settings.maxMessageBytes(),
          2 * settings.maxMessageBytes(), members::contains, check);
      return Behaviors.receive(Object.class)
          .onMessage(Sweep.class, s -> {
            int n = assembler.expire(System.nanoTime() - STALL_TIMEOUT.toNanos());
            if (n > 0) {
              traffic.rejected.addAndGet(n);
              LOG.warn("node {} dropped {} transfer(s) stalled for {} s", id, n, STALL_TIMEOUT.toSeconds());
            }
            return Behaviors.same();
          })
          .onMessage(Frame.class, f -> f.hasProbe() || f.hasProof(), f -> {
            // A probe costs an answer; legitimate ones are rare (one per registration seen), so all
            // probes share one bucket, whatever member they claim to come from.
            if (identity != null && f.hasProbe() && rate.allow(Integer.MIN_VALUE, System.nanoTime())) {
              try {
                answer(id, f.getProbe(), identity, resolver, selfPath);
              } catch (RuntimeException e) { // untrusted bytes: whatever they make fail is the sender's fault, not ours
                traffic.rejected.incrementAndGet();
                rejections.warn(LOG, "node " + id + " refused a route check: " + e.getMessage());
              }
            }
            return Behaviors.same();
          })
          .onMessage(Frame.class, f -> {
            traffic.bytesReceived.addAndGet(f.getData().size());
            Envelope env;
            try {
              var done = assembler.accept(f, System.nanoTime());
              if (done.isEmpty()) {
                return Behaviors.same();
              }
              env = done.get();
              if (env.getWireVersion() != ClusterSettings.WIRE_VERSION) {
                throw new InvalidMessageException("node " + env.getSender() + " speaks wire version "
                    + Integer.toUnsignedString(env.getWireVersion()) + ", this member " + ClusterSettings.WIRE_VERSION
                    + " (every member must run the same Starling release)");
              }
              if (env.getRunId() != settings.runId()) {
                throw new InvalidMessageException("node " + env.getSender() + " is in run " + Long.toHexString(env.getRunId())
                    + ", this member in run " + Long.toHexString(settings.runId()) + " (another experiment, or another config,"
                    + " shares this cluster)");
              }
            } catch (InvalidMessageException e) {
              traffic.rejected.incrementAndGet();
              rejections.warn(LOG, "node " + id + " rejected a message: " + e.getMessage());
              return Behaviors.same();
            } catch (RuntimeException e) {
              // A check this code lacks: the frame is still the sender's fault, and the endpoint
              // (whose failure would now stop the member) stays up.
              traffic.rejected.incrementAndGet();
              rejections.warn(LOG, "node " + id + " rejected a message it could not read: " + ClusterRuntime.describe(e));
              return Behaviors.same();
            }
            traffic.messagesReceived.incrementAndGet();
            if (env.getBodyCase() == Envelope.BodyCase.RUN_DONE) {
              runDone.get().accept(env.getSender(), env.getRunDone());
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

  /**
   * Proves to the asker that this endpoint speaks for node {@code id}: a MAC over the node, the
   * nonce and this endpoint's path under the pair key, sent with this member's certificate.
   */
  private static void answer(int id, RouteProbe probe, Identity identity, ActorRefResolver resolver, String selfPath) {
    if (probe.getNonce().size() != 16) {
      throw new InvalidMessageException("a nonce of " + probe.getNonce().size() + " bytes (16 expected)");
    }
    if (probe.getNode() != id) {
      throw new InvalidMessageException("asked to speak for node " + Integer.toUnsignedString(probe.getNode()));
    }
    if (probe.getReplyTo().length() > 1024) {
      throw new InvalidMessageException("a reply address of " + probe.getReplyTo().length() + " characters");
    }
    Identity.Peer asker = identity.verify(probe.getCertificate(), "route check from member " + probe.getMember());
    if (asker.member() != probe.getMember()) {
      throw new InvalidMessageException("member " + Integer.toUnsignedString(probe.getMember())
          + " asked with the certificate of node " + asker.member());
    }
    ActorRef<Object> replyTo = resolver.resolveActorRef(probe.getReplyTo());
    replyTo.tell(Frame.newBuilder().setProof(RouteProof.newBuilder().setNode(id).setNonce(probe.getNonce())
        .setCertificate(ByteString.copyFrom(identity.certificate())).setEndpoint(selfPath)
        .setMac(ByteString.copyFrom(Identity.routeMac(asker, id, asker.member(), probe.getNonce(), selfPath)))).build());
  }
}
