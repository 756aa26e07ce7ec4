package dev.starling.bench;

import dev.starling.cluster.ClusterRuntime;
import dev.starling.cluster.ClusterSettings;
import dev.starling.cluster.Keys;
import dev.starling.node.runtime.Inbound;
import dev.starling.node.runtime.Network;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.Pong;
import dev.starling.node.wire.proto.TrainRequest;
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
 * delivered to the receiving node's inbox, which answers with a small Pong).
 *
 * <p>The transports are measured interleaved, one transfer of each per round, so that a noisy
 * stretch of this shared machine hits all of them alike; besides each transport's median the bench
 * reports the median over rounds of the per-round ratio to the socket copy. Every receiver and
 * every Artery sender is a JVM of its own ({@code receive ...}, {@code send ...}); an Artery
 * sender joins once, then makes one transfer per {@code go} line on its stdin and prints the
 * seconds it took.
 *
 * <p>{@code TransferBench [MB] [rounds] [warm-up rounds]} (100, 7, 30); {@code -Dstarling.transfer.modes=socket,tcp} limits the
 * transports, {@code -Dstarling.chunk=BYTES} sets the frame size.
 */
public final class TransferBench {

  private static final int CHUNK = Integer.getInteger("starling.chunk", 4 * 1024 * 1024);
  /** Heap options of the receiver and sender JVMs. */
  private static final List<String> JVM = List.of(System.getProperty("starling.transfer.jvm", "-Xmx2g").split(" "));

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("receive")) {
      receive(args[1], Integer.parseInt(args[2]), Paths.get(args[3]), Integer.parseInt(args[4]));
      return;
    }
    if (args.length > 0 && args[0].equals("send")) {
      sendArtery(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[4]), Paths.get(args[3]));
      System.exit(0);
    }
    int mb = arg(args, 0, "MB", 100, 1);
    int repeats = arg(args, 1, "ROUNDS", 7, 1);
    // Unmeasured rounds first, so that the JIT has compiled the transfer path (a long-lived node's steady state).
    int warmup = arg(args, 2, "WARMUP", 30, 0);
    int floats = mb * 1_000_000 / 4;
    Path keys = Files.createTempDirectory("starling-transfer-keys").resolve("keys");
    Keys.make(keys, 2, "ip:127.0.0.1,dns:localhost", 2);
    List<String> modes = List.of(System.getProperty("starling.transfer.modes", "socket,tcp,tls").split(","));
    if (!modes.contains("socket")) {
      throw new IllegalArgumentException("starling.transfer.modes must include socket (the baseline), got " + modes);
    }
    System.out.printf(Locale.ROOT, "payload %d MB (%d floats), frames of %d bytes, %d rounds after %d warm-up rounds, "
        + "one transfer per transport per round%n", mb, floats, CHUNK, repeats, warmup);
    List<Process> started = new ArrayList<>();
    try {
      java.util.Map<String, Transfer> transfers = new java.util.LinkedHashMap<>();
      for (String mode : modes) {
        transfers.put(mode, start(mode, floats, keys, started));
      }
      java.util.Map<String, double[]> times = new java.util.LinkedHashMap<>();
      modes.forEach(m -> times.put(m, new double[repeats]));
      for (int r = -warmup; r < repeats; r++) {
        for (String mode : modes) {
          double t = transfers.get(mode).once();
          if (r >= 0) {
            times.get(mode)[r] = t;
          }
        }
      }
      double[] socket = times.get("socket");
      for (String mode : modes) {
        double[] s = times.get(mode);
        double[] ratio = new double[repeats];
        for (int r = 0; r < repeats; r++) {
          ratio[r] = socket[r] / s[r];
        }
        System.out.printf(Locale.ROOT,
            "%-7s median %7.1f ms  min %7.1f ms  %7.0f MB/s  ratio of medians %.2fx  median per-round ratio %.2fx%n", mode,
            median(s) * 1e3, Arrays.stream(s).min().orElse(0) * 1e3, mb / median(s), median(socket) / median(s),
            median(ratio));
      }
    } finally {
      for (Process p : started) {
        p.destroy(); // SIGTERM first, so an attached profiler or recording can write its output
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** Positional argument {@code i}, or {@code dflt}; exits 2 with a one-line error when it is not an integer >= min. */
  private static int arg(String[] args, int i, String name, int dflt, int min) {
    if (args.length <= i) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(args[i]);
      if (v >= min && (!name.equals("MB") || v <= 500)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.err.println("transfer: " + name + " must be an integer >= " + min + (name.equals("MB") ? " and <= 500" : "")
        + ", got '" + args[i] + "'");
    System.exit(2);
    return dflt;
  }

  private static double median(double[] s) {
    double[] c = s.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  /** One transport, ready to make a transfer. */
  private interface Transfer {
    double once() throws Exception;
  }

  private static Transfer start(String mode, int floats, Path keys, List<Process> started) throws Exception {
    int port = freePort();
    String javaBin = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(javaBin));
    cmd.addAll(JVM);
    cmd.addAll(List.of("-Dstarling.chunk=" + CHUNK, "-cp", System.getProperty("java.class.path"),
        TransferBench.class.getName(), "receive", mode, Integer.toString(port), keys.toString(), Integer.toString(floats)));
    started.add(new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(Files.createTempFile("transfer-" + mode, ".log").toFile())).start());
    if (mode.equals("socket")) {
      return socketSender(port, floats);
    }
    List<String> send = new ArrayList<>(List.of(javaBin));
    send.addAll(JVM);
    send.addAll(List.of("-Dstarling.chunk=" + CHUNK, "-cp", System.getProperty("java.class.path"),
        TransferBench.class.getName(), "send", mode, Integer.toString(port), keys.toString(), Integer.toString(floats)));
    Process p = new ProcessBuilder(send)
        .redirectError(ProcessBuilder.Redirect.appendTo(Files.createTempFile("transfer-send-" + mode, ".log").toFile()))
        .start();
    started.add(p);
    var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    var out = new java.io.PrintStream(p.getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
    awaitLine(in, "ready", mode);
    return () -> {
      out.println("go");
      return Double.parseDouble(awaitLine(in, null, mode));
    };
  }

  /** The next line that is {@code expected} (or any line holding a number when null); other lines are skipped. */
  private static String awaitLine(java.io.BufferedReader in, String expected, String mode) throws Exception {
    for (String line; (line = in.readLine()) != null; ) { // a JVM agent may print lines of its own
      line = line.strip();
      if (expected == null ? line.matches("[0-9.eE+-]+") : line.equals(expected)) {
        return line;
      }
    }
    throw new IllegalStateException(mode + ": the sender JVM ended early (see its transfer-send-" + mode + " log in "
        + System.getProperty("java.io.tmpdir") + ")");
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

  private static Transfer socketSender(int port, int floats) throws Exception {
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
    Socket sock = s; // closed when its receiver JVM is stopped
    sock.setTcpNoDelay(true);
    OutputStream out = sock.getOutputStream();
    InputStream in = sock.getInputStream();
    return () -> {
      long t0 = System.nanoTime();
      out.write(bytes);
      out.flush();
      if (in.read() != 1) {
        throw new IllegalStateException("bad ack");
      }
      return (System.nanoTime() - t0) / 1e9;
    };
  }

  // ------------------------------------------------------------------ Artery via the cluster runtime

  private static ClusterSettings settings(String mode, int port, int seedPort, Path keys, int node) throws Exception {
    ClusterSettings.Tls tls = mode.startsWith("tls") ? Keys.forNode(keys, node) : null;
    return new ClusterSettings("starling", "127.0.0.1", port, List.of("127.0.0.1:" + seedPort), tls, CHUNK,
        512L * 1024 * 1024);
  }

  private static void sendArtery(String mode, int receiverPort, int floats, Path keys) throws Exception {
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
      var commands = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
      System.out.println("ready");
      int round = 1;
      for (String line; (line = commands.readLine()) != null && line.equals("go"); round++) {
        long t0 = System.nanoTime();
        net.send(1, Envelope.newBuilder().setTrainRequest(TrainRequest.newBuilder().setRound(round).setModel(model)));
        Inbound ack = acks.poll(120, TimeUnit.SECONDS);
        if (ack == null || ack.envelope().getPong().getRound() != round) {
          throw new IllegalStateException(mode + ": no ack for transfer " + round);
        }
        System.out.println((System.nanoTime() - t0) / 1e9);
      }
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
