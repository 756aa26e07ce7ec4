package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Ping;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Two members of different runs in one cluster refuse each other's messages; members of one run talk. */
class RunIdTest {

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aMessageOfAnotherRunIsRefusedAndNamed() throws Exception {
    int seed = freePort();
    int other = freePort();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    ((Logger) LoggerFactory.getLogger(ClusterRuntime.class)).addAppender(seen);
    var a = new ClusterSettings("starling", "127.0.0.1", seed, List.of("127.0.0.1:" + seed), null, 4 << 20, 64L << 20, 0xA1L);
    var b = new ClusterSettings("starling", "127.0.0.1", other, List.of("127.0.0.1:" + seed), null, 4 << 20, 64L << 20, 0xB2L);
    LinkedBlockingQueue<Inbound> atA = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<Inbound> atB = new LinkedBlockingQueue<>();
    try (ClusterRuntime ra = ClusterRuntime.start(a, List.of(0, 1, 2)); ClusterRuntime rb = ClusterRuntime.start(b, List.of(0, 1))) {
      var na = ra.network(0);
      var na2 = ra.network(2);
      var nb = rb.network(1);
      ra.spawn("inbox-0", Behaviors.<Inbound>setup(ctx -> {
        na.bind(ctx.getSelf());
        return Behaviors.receiveMessage(m -> {
          atA.add(m);
          return Behaviors.same();
        });
      }));
      ra.spawn("inbox-2", Behaviors.<Inbound>setup(ctx -> {
        na2.bind(ctx.getSelf());
        return Behaviors.ignore();
      }));
      rb.spawn("inbox-1", Behaviors.<Inbound>setup(ctx -> {
        nb.bind(ctx.getSelf());
        return Behaviors.receiveMessage(m -> {
          atB.add(m);
          return Behaviors.same();
        });
      }));
      assertTrue(rb.awaitRoutes(List.of(0), Duration.ofSeconds(30)));
      assertTrue(ra.awaitRoutes(List.of(0, 1, 2), Duration.ofSeconds(30)));
      nb.send(0, Envelope.newBuilder().setPing(Ping.newBuilder().setRound(1)));
      na.send(1, Envelope.newBuilder().setPing(Ping.newBuilder().setRound(2)));
      na2.send(0, Envelope.newBuilder().setPing(Ping.newBuilder().setRound(3))); // same run: delivered
      Inbound got = atA.poll(20, TimeUnit.SECONDS);
      assertEquals(2, got.from());
      assertEquals(3, got.envelope().getPing().getRound());
      long end = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < end && seen.list.stream().filter(e -> e.getFormattedMessage().contains("is in run")).count() < 2) {
        Thread.sleep(50);
      }
      assertTrue(atA.isEmpty() && atB.isEmpty(), "nothing of the other run was delivered");
      List<String> lines = seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(lines.stream().anyMatch(l -> l.contains("node 1 is in run b2, this member in run a1")), lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.contains("node 0 is in run a1, this member in run b2")), lines.toString());
    }
  }
}
