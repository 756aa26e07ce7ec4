package dev.starling.tests;

import com.google.protobuf.ByteString;
import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.cluster.Keys;
import dev.starling.node.wire.EnvelopeFuzzer;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Frame;
import dev.starling.node.wire.proto.ModelUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A compromised client 2 (it holds client 2's own keystore, so what it sends is authenticated as
 * node 2) that sends the FL server bytes that are not protobuf, a frame announcing a message far
 * over the size limit, a well-formed update full of NaN, and then {@link #FUZZED} envelopes of
 * the node module's {@link EnvelopeFuzzer} (boundary values, NaN, huge claims, mismatched
 * tensors, flipped bytes), each a valid frame of the run. Run as its own JVM:
 * {@code Adversary KEYS_DIR PORT SEED NUM_PARAMS RUN_ID_HEX}.
 */
public final class Adversary {
  static final int FUZZED = 3000;

  public static void main(String[] a) throws Exception {
    Path keys = Path.of(a[0]);
    int port = Integer.parseInt(a[1]);
    String seed = a[2];
    int numParams = Integer.parseInt(a[3]);
    long runId = Long.parseUnsignedLong(a[4], 16);
    ClusterSettings s = new ClusterSettings("starling", "127.0.0.1", port, List.of(seed), Keys.forNode(keys, 2),
        4 * 1024 * 1024, 256L * 1024 * 1024, runId);
    try (ClusterRuntime rt = ClusterRuntime.start(s, List.of(0, 1, 2, 3))) {
      var net = rt.network(2); // never bound: it does not register as node 2, it only sends as it
      if (!rt.awaitUp(Duration.ofSeconds(60)) || !rt.awaitRoutes(List.of(0), Duration.ofSeconds(60))) {
        System.err.println("adversary: could not reach the server");
        System.exit(3);
      }
      byte[] garbage = new byte[64];
      Arrays.fill(garbage, (byte) 0xFF); // field 31, wire type 7: not protobuf
      rt.sendBytes(2, 0, garbage);
      rt.route(0, false).tell(Frame.newBuilder().setSender(2).setTransfer(2).setIndex(0).setCount(1)
          .setTotalBytes(1L << 40).setData(ByteString.copyFrom(new byte[16])).build());
      float[] nan = new float[numParams];
      Arrays.fill(nan, Float.NaN);
      net.send(0, Envelope.newBuilder().setModelUpdate(ModelUpdate.newBuilder()
          .setRound(1).setAttempt(0).setDelta(Tensors.fp32(nan)).setNumSamples(10).setTrainLoss(0.5f)));
      EnvelopeFuzzer fuzz = new EnvelopeFuzzer(2026, numParams, List.of(Envelope.newBuilder().setModelUpdate(
          ModelUpdate.newBuilder().setRound(1).setDelta(Tensors.fp32(new float[numParams])).setNumSamples(10)).build()));
      for (int i = 0; i < FUZZED; i++) {
        rt.sendBytes(2, 0, fuzz.next().toBuilder().setSender(2).setSeq(100 + i)
            .setWireVersion(ClusterSettings.WIRE_VERSION).setRunId(runId).build().toByteArray());
        if (i % 500 == 499) {
          Thread.sleep(400); // within the server's rate limit, so every one is delivered
        }
      }
      Thread.sleep(2000); // let the frames leave
      System.err.println("adversary: sent 3 bad messages and " + FUZZED + " fuzzed envelopes");
    }
    System.exit(0);
  }
}
