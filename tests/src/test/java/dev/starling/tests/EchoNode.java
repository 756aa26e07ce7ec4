package dev.starling.tests;

import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Pong;
import dev.starling.node.wire.proto.TrainRequest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Cluster node 1 in its own JVM: decodes every model it is sent (validated as a role would) and
 * answers with a Pong whose nonce is the first 8 bytes of the SHA-256 of the decoded floats.
 * {@code EchoNode KEYS_DIR PORT}.
 */
public final class EchoNode {
  public static void main(String[] a) throws Exception {
    Path keys = Path.of(a[0]);
    int port = Integer.parseInt(a[1]);
    ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", port, List.of("127.0.0.1:" + port),
        dev.starling.cluster.Keys.forNode(keys, 1), 4 * 1024 * 1024,
        256L * 1024 * 1024);
    try (ClusterRuntime rt = ClusterRuntime.start(s, List.of(0, 1))) {
      Network net = rt.network(1);
      rt.spawn("echo", Behaviors.<Inbound>setup(ctx -> {
        net.bind(ctx.getSelf());
        return Behaviors.receiveMessage(m -> {
          TrainRequest req = m.envelope().getTrainRequest();
          float[] v = Tensors.decode(req.getModel(), req.getModel().getLength());
          ByteBuffer b = ByteBuffer.allocate(v.length * 4);
          b.asFloatBuffer().put(v);
          long nonce = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(b.array())).getLong();
          net.send(m.from(), Envelope.newBuilder().setPong(Pong.newBuilder().setRound(req.getRound()).setNonce(nonce)));
          System.err.println("echo: got " + v.length + " floats in round " + req.getRound());
          return Behaviors.same();
        });
      }));
      System.err.println("echo: ready");
      new CompletableFuture<Void>().get();
    }
  }
}
