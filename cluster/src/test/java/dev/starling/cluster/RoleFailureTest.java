package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** A role that throws is reported at once, in one line naming it, the exception and where it was thrown. */
class RoleFailureTest {

  @Test
  void aThrowingRoleIsReportedWithinSeconds() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ClusterSettings settings = new ClusterSettings("starling", "127.0.0.1", port, List.of("127.0.0.1:" + port), null,
        4 * 1024 * 1024, 64L * 1024 * 1024);
    CompletableFuture<String> reported = new CompletableFuture<>();
    try (ClusterRuntime rt = ClusterRuntime.start(settings, List.of(0))) {
      rt.onFailure(reported::complete);
      ActorRef<String> role = rt.spawn("node-0", Behaviors.<String>receiveMessage(m -> {
        throw new IllegalStateException("boom on " + m);
      }));
      long t0 = System.nanoTime();
      role.tell("round 3");
      String line = reported.get(5, TimeUnit.SECONDS);
      assertTrue((System.nanoTime() - t0) / 1e9 < 5);
      assertTrue(line.startsWith("node-0 failed: java.lang.IllegalStateException: boom on round 3 (at RoleFailureTest."),
          line);
      assertTrue(!line.contains("\n"), line);
    }
  }
}
