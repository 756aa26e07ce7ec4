package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A member refusing a handshake from a certificate of another CA says so, with the subject presented. */
class RefusedHandshakeTest {

  @TempDir Path dir;

  @Test
  void aCertificateOfAnotherCaIsRefusedAndLogged() throws Exception {
    Keys.make(dir.resolve("keys"), 1, "ip:127.0.0.1", 2);
    Keys.make(dir.resolve("rogue"), 2, "ip:127.0.0.1", 2);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    ((Logger) LoggerFactory.getLogger(ClusterRuntime.class)).addAppender(seen);
    ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", port, List.of("127.0.0.1:" + port),
        Keys.forNode(dir.resolve("keys"), 0), 4 * 1024 * 1024, 64L * 1024 * 1024);
    try (ClusterRuntime rt = ClusterRuntime.start(s, List.of(0))) {
      assertTrue(rt.awaitUp(java.time.Duration.ofSeconds(30)));
      assertFalse(RawTls.handshake(port, Keys.forNode(dir.resolve("rogue"), 1)), "the rogue must be refused");
      long end = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < end && seen.list.stream().noneMatch(e -> e.getFormattedMessage().contains("refused a TLS"))) {
        Thread.sleep(50);
      }
    }
    assertTrue(seen.list.stream().anyMatch(e -> e.getFormattedMessage().contains(
        "refused a TLS handshake from a member connecting presenting 'CN=starling-node-1'")),
        seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList().toString());
  }
}
