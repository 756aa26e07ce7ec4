package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.TrainRequest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large models over the real wire: Artery TLS between this JVM and another, chunked frames. */
class ClusterWireTest {

  @TempDir Path dir;

  @Test
  void aFiftyMegabyteModelGetsThroughIntact() throws Exception {
    Path keys = dir.resolve("keys");
    assertEquals(0, Cli.run("node", "keys", "--out", keys.toString(), "--nodes", "2").exitCode());
    int base = Members.freeBasePort(2);
    try (Members m = new Members()) {
      Path log = dir.resolve("echo.log");
      m.startMain(log, EchoNode.class.getName(), keys.toString(), Integer.toString(base));
      Members.awaitLog(log, "echo: ready", 120);
      ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", base + 1, List.of("127.0.0.1:" + base),
          dev.starling.cluster.Keys.forNode(keys, 0), 4 * 1024 * 1024,
          256L * 1024 * 1024);
      try (ClusterRuntime rt = ClusterRuntime.start(s, List.of(0, 1))) {
        LinkedBlockingQueue<Inbound> replies = new LinkedBlockingQueue<>();
        Network net = rt.network(0);
        rt.spawn("sender", Behaviors.<Inbound>setup(ctx -> {
          net.bind(ctx.getSelf());
          return Behaviors.receiveMessage(msg -> {
            replies.add(msg);
            return Behaviors.same();
          });
        }));
        assertTrue(rt.awaitUp(Duration.ofSeconds(60)) && rt.awaitRoutes(List.of(1), Duration.ofSeconds(60)));
        SplittableRandom rng = new SplittableRandom(3);
        for (int round = 1; round <= 2; round++) {
          float[] model = new float[12_500_000 + round]; // 50 MB, well beyond one 4 MiB frame
          for (int i = 0; i < model.length; i++) {
            model[i] = (float) rng.nextGaussian();
          }
          ByteBuffer b = ByteBuffer.allocate(model.length * 4);
          b.asFloatBuffer().put(model);
          long expected = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(b.array())).getLong();
          net.send(1, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(round)
              .setModel(Tensors.fp32(model))));
          Inbound reply = replies.poll(120, TimeUnit.SECONDS);
          assertNotNull(reply, "no answer to the 50 MB model of round " + round + ":\n" + Files.readString(log));
          assertEquals(round, reply.envelope().getPong().getRound());
          assertEquals(expected, reply.envelope().getPong().getNonce(), "the model arrived altered");
        }
        assertTrue(rt.stats().bytesSent() > 100_000_000L);
        assertEquals(0, rt.stats().rejected());
      }
    }
  }
}
