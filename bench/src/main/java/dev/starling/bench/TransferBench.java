package dev.starling.bench;

import dev.starling.node.cluster.ClusterRuntime;
import dev.starling.node.cluster.ClusterSettings;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Pong;
import dev.starling.node.wire.proto.TrainRequest;
import dev.starling.simulator.deploy.Keys;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Moves a 100 MB model between two JVMs on 127.0.0.1 and reports throughput: a plain Java socket
 * copy of the same bytes (the baseline), then the cluster runtime over Artery TCP and over Artery
 * TLS with mutual authentication (an FP32 tensor in an Envelope, framed, reassembled, parsed and
 * delivered to the receiving node's inbox, which answers with a small Pong). All three run in the
 * same invocation; the ratio to the socket copy is what BENCHMARKS.md records.
 *
 * <p>{@code TransferBench [MB] [repeats]}; it starts each Artery sender and every receiver as a JVM of
 * its own ({@code send ...}, {@code receive ...}), so each transport starts from a fresh JVM.
 */
public final class TransferBench {

  private static final int CHUNK = Integer.getInteger("starling.chunk", 4 * 1024 * 1024);

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("receive")) {
      receive(args[1], Integer.parseInt(args[2]), Paths.get(args[3]), Integer.parseInt(args[4]));
      return;
    }
    if (args.length > 0 && args[0].equals("send")) { // a sender JVM with its own system properties
      double[] t = sendArtery(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
          Paths.get(args[3]));
      StringBuilder sb = new StringBuilder();
      for (double d : t) {
        sb.append(d).append(' ');
      }
      System.out.println(sb.toString().strip());
      System.exit(0);
    }
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    int floats = mb * 1_000_000 / 4;
    Path keys = Files.createTempDirectory("starling-transfer-keys").resolve("keys");
    Keys.make(keys, 2, "ip:127.0.0.1,dns:localhost", 2);
    System.out.printf(Locale.ROOT, "payload %d MB (%d floats), %d measured transfers after 2 warm-ups, median%n", mb, floats,
        repeats);
    double socket = 0;
    for (String mode : List.of("socket", "tcp", "tls")) {
      double[] s = run(mode, floats, repeats, keys);
      double median = median(s);
      if (mode.equals("socket")) {
        socket = median;
      }
      System.out.printf(Locale.ROOT, "%-7s median %7.1f ms  min %7.1f ms  %7.0f MB/s  ratio to socket copy %.2fx%n", mode,
          median * 1e3, Arrays.stream(s).min().orElse(0) * 1e3, mb / median, socket / median);
    }
  }

  private static double median(double[] s) {
    double[] c = s.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  private static double[] run(String mode, int floats, int repeats, Path keys) throws Exception {
    int port = freePort();
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "-Dstarling.chunk=" + CHUNK, "-cp", System.getProperty("java.class.path"), TransferBench.class.getName(), "receive", mode,
        Integer.toString(port), keys.toString(), Integer.toString(floats)));
    Process receiver = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(Files.createTempFile("transfer-" + mode, ".log").toFile())).start();
    try {
      if (mode.equals("socket")) {
        return sendSocket(port, floats, repeats);
      }
      ProcessBuilder sender = new ProcessBuilder(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx2g", "-Dstarling.chunk=" + CHUNK, "-cp",
          System.getProperty("java.class.path"), TransferBench.class.getName(), "send", mode, Integer.toString(port),
          keys.toString(), Integer.toString(floats), Integer.toString(repeats)))
          .redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = sender.start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0 || out.isEmpty()) {
        throw new IllegalStateException(mode + ": the sender failed");
      }
      return Arrays.stream(out.split("\\s+")).mapToDouble(Double::parseDouble).toArray();
    } finally {
      receiver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static float[] payload(int floats) {
    float[] p = new float[floats];
    for (int i = 0; i < floats; i++) {
      p[i] = (i % 1000) * 1e-3f;
    }
    return p;
  }

  // ------------------------------------------------------------------ plain socket copy

  private static double[] sendSocket(int port, int floats, int repeats) throws Exception {
    byte[] bytes = new byte[floats * 4];
    java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(payload(floats));
    Socket s = null;
    for (int i = 0; i < 200 && s == null; i++) {
      try {
        s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port));
      } catch (java.io.IOException e) {
        s = null;
        Thread.sleep(100);
      }
    }
    if (s == null) {
      throw new IllegalStateException("socket receiver did not come up");
    }
    try (Socket sock = s) {
      sock.setTcpNoDelay(true);
      OutputStream out = sock.getOutputStream();
      InputStream in = sock.getInputStream();
      double[] times = new double[repeats];
      for (int r = -2; r < repeats; r++) {
        long t0 = System.nanoTime();
        out.write(bytes);
        out.flush();
        if (in.read() != 1) {
          throw new IllegalStateException("bad ack");
        }
        if (r >= 0) {
          times[r] = (System.nanoTime() - t0) / 1e9;
        }
      }
      return times;
    }
  }

  // ------------------------------------------------------------------ Artery via the cluster runtime

  private static ClusterSettings settings(String mode, int port, int seedPort, Path keys, int node) throws Exception {
    ClusterSettings.Tls tls = mode.startsWith("tls") ? new ClusterSettings.Tls(keys.resolve("node-" + node + ".p12"),
        keys.resolve("truststore.p12"), Files.readString(keys.resolve(Keys.PASSWORD_FILE)).strip()) : null;
    return new ClusterSettings("starling", "127.0.0.1", port, List.of("127.0.0.1:" + seedPort), tls, CHUNK,
        512L * 1024 * 1024);
  }

  private static double[] sendArtery(String mode, int receiverPort, int floats, int repeats, Path keys) throws Exception {
    try (ClusterRuntime rt = ClusterRuntime.start(settings(mode, freePort(), receiverPort, keys, 0), List.of(0, 1))) {
      LinkedBlockingQueue<Inbound> acks = new LinkedBlockingQueue<>();
      Network net = rt.network(0);
      rt.spawn("inbox-binder", Behaviors.<Inbound>setup(ctx -> {
        net.bind(ctx.getSelf());
        return Behaviors.receiveMessage(m -> {
          acks.add(m);
          return Behaviors.same();
        });
      }));
      if (!rt.awaitUp(Duration.ofSeconds(120)) || !rt.awaitRoutes(List.of(1), Duration.ofSeconds(120))) {
        throw new IllegalStateException(mode + ": the receiver did not join");
      }
      var model = Tensors.fp32(payload(floats));
      double[] times = new double[repeats];
      for (int r = -2; r < repeats; r++) {
        long t0 = System.nanoTime();
        net.send(1, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(r + 3).setModel(model)));
        Inbound ack = acks.poll(120, TimeUnit.SECONDS);
        if (ack == null || ack.envelope().getPong().getRound() != r + 3) {
          throw new IllegalStateException(mode + ": no ack for transfer " + (r + 3));
        }
        if (r >= 0) {
          times[r] = (System.nanoTime() - t0) / 1e9;
        }
      }
      return times;
    }
  }

  // ------------------------------------------------------------------ the receiver JVM

  private static void receive(String mode, int port, Path keys, int floats) throws Exception {
    if (mode.equals("socket")) {
      try (ServerSocket ss = new ServerSocket(port); Socket s = ss.accept()) {
        s.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[floats * 4];
        while (true) {
          in.readFully(buf);
          out.write(1);
          out.flush();
        }
      } catch (java.io.EOFException done) {
        return;
      }
    }
    try (ClusterRuntime rt = ClusterRuntime.start(settings(mode, port, port, keys, 1), List.of(0, 1))) {
      Network net = rt.network(1);
      rt.spawn("receiver", Behaviors.<Inbound>setup(ctx -> {
        net.bind(ctx.getSelf());
        return Behaviors.receiveMessage(m -> {
          TrainRequest req = m.envelope().getTrainRequest();
          if (req.getModel().getData().size() != floats * 4L) { // delivered whole; decoding is the role's work
            throw new IllegalStateException("got " + req.getModel().getData().size() + " bytes");
          }
          net.send(m.from(), Envelope.newBuilder().setPong(Pong.newBuilder().setRound(req.getRound())));
          return Behaviors.same();
        });
      }));
      new CompletableFuture<Void>().get(); // until the parent kills this JVM
    }
  }
}
