package dev.starling.cluster;

import dev.starling.node.runtime.Inbound;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.RunDone;
import java.time.Duration;
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
 * ({@link FrameAssembler}), drops transfers left unfinished for {@link #TRANSFER_TIMEOUT}, hands
 * each envelope to the node's bound inbox, and a {@code RunDone} to the run-done handler.
 */
final class Endpoint {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);
  static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(120);

  private record Sweep() {}

  private Endpoint() {}

  static Behavior<Object> behavior(int id, AtomicReference<ActorRef<Inbound>> inbox, ClusterSettings settings,
      Set<Integer> members, Traffic traffic, Supplier<BiConsumer<Integer, RunDone>> runDone) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay("sweep", new Sweep(), Duration.ofSeconds(10));
      // Frames of a single-frame message are never held; chunk size bounds frames of large ones.
      FrameAssembler assembler = new FrameAssembler(settings.chunkBytes(), settings.maxMessageBytes(),
          2 * settings.maxMessageBytes(), members::contains);
      return Behaviors.receive(Object.class)
          .onMessage(Sweep.class, s -> {
            int n = assembler.expire(System.nanoTime() - TRANSFER_TIMEOUT.toNanos());
            if (n > 0) {
              traffic.rejected.addAndGet(n);
              LOG.warn("node {} dropped {} transfer(s) unfinished after {} s", id, n, TRANSFER_TIMEOUT.toSeconds());
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
            } catch (InvalidMessageException e) {
              traffic.rejected.incrementAndGet();
              LOG.warn("node {} rejected a message: {}", id, e.getMessage());
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
}
