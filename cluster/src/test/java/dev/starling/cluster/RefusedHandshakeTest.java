package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A member refusing a connection says why: a certificate of another CA (with the subject
 * presented), a peer that does not speak TLS, one that hangs up mid-handshake.
 */
class RefusedHandshakeTest {

  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> seen = new ListAppender<>();
  private int port;

  @BeforeEach
  void listen() throws IOException {
    Keys.make(dir.resolve("keys"), 1, "ip:127.0.0.1", 2);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    seen.start();
    ((Logger) LoggerFactory.getLogger(ClusterRuntime.class)).addAppender(seen);
  }

  @AfterEach
  void stopListening() {
    ((Logger) LoggerFactory.getLogger(ClusterRuntime.class)).detachAppender(seen);
  }

  /** Node 0's member on {@code port}, up. */
  private ClusterRuntime member() throws InterruptedException {
    ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", port, List.of("127.0.0.1:" + port),
        Keys.forNode(dir.resolve("keys"), 0), 4 * 1024 * 1024, 64L * 1024 * 1024);
    ClusterRuntime rt = ClusterRuntime.start(s, List.of(0));
    assertTrue(rt.awaitUp(java.time.Duration.ofSeconds(30)));
    return rt;
  }

  /** Waits up to 10 s for a logged line holding every one of {@code parts}. */
  private void awaitLine(String... parts) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < end && seen.list.stream().noneMatch(e -> holds(e, parts))) {
      Thread.sleep(50);
    }
    assertTrue(seen.list.stream().anyMatch(e -> holds(e, parts)),
        seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList().toString());
  }

  private static boolean holds(ILoggingEvent e, String... parts) {
    for (String p : parts) {
      if (!e.getFormattedMessage().contains(p)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aPeerThatDoesNotSpeakTlsOrHangsUpIsRefusedAndLogged() throws Exception {
    try (ClusterRuntime rt = member()) {
      try (Socket plain = new Socket("127.0.0.1", port)) { // what a member with tls = off sends first
        plain.getOutputStream().write("PEKKO artery framing, not a TLS record".getBytes(StandardCharsets.US_ASCII));
        plain.getOutputStream().flush();
        plain.setSoTimeout(10_000);
        plain.getInputStream().read(); // the member closes it (or sends an alert)
      } catch (IOException closed) {
        // refused, as it must be
      }
      awaitLine("refused an incoming connection before its TLS handshake completed: ", "it does not speak TLS");
      try (Socket quitter = new Socket("127.0.0.1", port)) {
        quitter.getOutputStream().write(RawTls.clientHelloStart());
      }
      awaitLine("refused an incoming connection before its TLS handshake completed: ", "hung up during the handshake");
    }
  }

  @Test
  void aCertificateOfAnotherCaIsRefusedAndLogged() throws Exception {
    Keys.make(dir.resolve("rogue"), 2, "ip:127.0.0.1", 2);
    try (ClusterRuntime rt = member()) {
      assertFalse(RawTls.handshake(port, Keys.forNode(dir.resolve("rogue"), 1)), "the rogue must be refused");
      awaitLine("refused a TLS handshake from a member connecting presenting 'CN=starling-node-1'");
    }
  }
}
