package dev.starling.tests;

import com.google.protobuf.ByteString;
import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.cluster.FrameAssembler;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.ModelUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A compromised cluster member (it holds a certificate from the cluster CA) that sends the FL
 * server a malformed protobuf frame, a frame announcing a message far over the size limit, and a
 * well-formed update full of NaN, all claiming to come from client 2. Run as its own JVM:
 * {@code Adversary KEYS_DIR KEY_ID PORT SEED NUM_PARAMS}.
 */
public final class Adversary {
  public static void main(String[] a) throws Exception {
    Path keys = Path.of(a[0]);
    int keyId = Integer.parseInt(a[1]);
    int port = Integer.parseInt(a[2]);
    String seed = a[3];
    int numParams = Integer.parseInt(a[4]);
    String pw = java.nio.file.Files.readString(keys.resolve("store-password")).strip();
    ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", port, List.of(seed),
        new ClusterSettings.Tls(keys.resolve("node-" + keyId + ".p12"), keys.resolve("truststore.p12"), pw),
        4 * 1024 * 1024, 256L * 1024 * 1024);
    try (ClusterRuntime rt = ClusterRuntime.start(s, List.of(0))) {
      if (!rt.awaitUp(Duration.ofSeconds(60)) || !rt.awaitRoutes(List.of(0), Duration.ofSeconds(60))) {
        System.err.println("adversary: could not reach the server");
        System.exit(3);
      }
      var inline = rt.route(0, false);
      byte[] garbage = new byte[64];
      Arrays.fill(garbage, (byte) 0xFF); // field 31, wire type 7: not protobuf
      inline.tell(Frame.newBuilder().setSender(2).setTransfer(1).setIndex(0).setCount(1).setTotalBytes(garbage.length)
          .setData(ByteString.copyFrom(garbage)).build());
      inline.tell(Frame.newBuilder().setSender(2).setTransfer(2).setIndex(0).setCount(1)
          .setTotalBytes(1L << 40).setData(ByteString.copyFrom(new byte[16])).build());
      float[] nan = new float[numParams];
      Arrays.fill(nan, Float.NaN);
      byte[] update = Envelope.newBuilder().setSender(2).setSeq(7).setModelUpdate(ModelUpdate.newBuilder()
          .setRound(1).setAttempt(0).setDelta(Tensors.fp32(nan)).setNumSamples(10).setTrainLoss(0.5f)).build().toByteArray();
      for (Frame f : FrameAssembler.split(2, 3, update, update.length)) {
        inline.tell(f);
      }
      Thread.sleep(2000); // let the frames leave
      System.err.println("adversary: sent 3 bad messages");
    }
    System.exit(0);
  }
}
