package dev.starling.bench;

import dev.starling.aggregator.FedAvg;
import dev.starling.aggregator.WeightedVector;
import dev.starling.node.secagg.Packing;
import dev.starling.node.secagg.SecAggClientRound;
import dev.starling.node.secagg.SecAggCrypto;
import dev.starling.node.secagg.SecAggServerRound;
import dev.starling.node.wire.codec.Fp32Codec;
import dev.starling.node.wire.codec.LatticeCodec;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.SecAggMasked;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.rng.simple.RandomSource;

/**
 * What SecAgg+ costs per round against plain FedAvg, one thread: bytes up and down per client,
 * one client's CPU (its share of every stage, the mean over the round's clients) and the
 * server's, for n clients per round, an MNIST logistic-regression update (7,850 coordinates), the
 * 16-bit lattice codec, graph degree k and a given fraction of clients dropping after sharing.
 * The baseline in the same run: an FP32 update and the server's FedAvg over the n updates.
 */
public final class SecAggBench {

  /** Bytes of each stage's envelopes in the last run, summed over the round's clients. */
  private static final java.util.Map<String, Long> STAGES = new java.util.LinkedHashMap<>();

  private static long count(String stage, Envelope.Builder e) {
    long b = e.build().getSerializedSize();
    STAGES.merge(stage, b, Long::sum);
    return b;
  }

  public static void main(String[] args) {
    int d = 7850;
    int[] ns = {100, 1000};
    int[] ks = {10, 30, 60};
    double[] drops = {0, 0.1};
    if (args.length > 0 && args[0].equals("stages")) { // bytes per stage of one round: 100 clients, k = 30, 10 % dropping
      run(100, 30, 0.1, d, 0);
      STAGES.clear();
      System.out.println(run(100, 30, 0.1, d, 1));
      STAGES.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-28s %,12d B  (%,d B per client)%n", k, v, v / 100));
      return;
    }
    System.out.printf(Locale.ROOT, "%-6s %-4s %-6s %-14s %-14s %-12s %-12s %-14s %-14s%n", "n", "k", "drop", "up_B/client",
        "down_B/client", "client_ms", "server_ms", "fedavg_up_B", "fedavg_srv_ms");
    for (int n : ns) {
      for (int k : ks) {
        for (double drop : drops) {
          run(n, k, drop, d, 0); // warm-up
          System.out.println(run(n, k, drop, d, 1));
        }
      }
    }
  }

  private static String run(int n, int k, double drop, int d, int seed) {
    int levels = 1 << 16;
    int bits = 64 - Long.numberOfLeadingZeros((long) n * 600 * (levels - 1));
    Set<Integer> ids = new TreeSet<>();
    for (int c = 1; c <= n; c++) {
      ids.add(c);
    }
    SecAggServerRound server = new SecAggServerRound(1, 0, new SecAggServerRound.Params(k, Math.min(k, k / 2 + 1), bits), ids);
    Map<Integer, SecAggClientRound> cs = new TreeMap<>();
    long up = 0;
    long down = 0;
    long clientNs = 0;
    long serverNs = 0;
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    float[] delta = new float[d];
    for (int i = 0; i < d; i++) {
      delta[i] = (float) (rnd.nextDouble() - 0.5) * 0.01f;
    }
    LatticeCodec codec = new LatticeCodec(16, 1.0, false);
    for (int c : ids) {
      long t = System.nanoTime();
      SecAggClientRound cr = new SecAggClientRound(c, 1, 0, SecAggCrypto.seeded(seed * 100_000L + c));
      var keys = cr.keys();
      clientNs += System.nanoTime() - t;
      up += count("keys (up)", Envelope.newBuilder().setSecaggKeys(keys));
      cs.put(c, cr);
      t = System.nanoTime();
      server.onKeys(c, keys);
      serverNs += System.nanoTime() - t;
    }
    long t0 = System.nanoTime();
    var rosters = server.rosters(RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
    serverNs += System.nanoTime() - t0;
    for (var e : rosters.entrySet()) {
      down += count("roster (down)", Envelope.newBuilder().setSecaggRoster(e.getValue()));
      long t = System.nanoTime();
      var sh = cs.get(e.getKey()).onRoster(e.getValue());
      clientNs += System.nanoTime() - t;
      up += count("sealed shares (up)", Envelope.newBuilder().setSecaggShares(sh));
      t = System.nanoTime();
      server.onShares(e.getKey(), sh);
      serverNs += System.nanoTime() - t;
    }
    t0 = System.nanoTime();
    var forwards = server.forwards();
    serverNs += System.nanoTime() - t0;
    int dropped = (int) Math.round(drop * n);
    List<Integer> order = new ArrayList<>(ids);
    java.util.Collections.shuffle(order, new java.util.Random(seed));
    Set<Integer> gone = new TreeSet<>(order.subList(0, dropped));
    Set<Integer> survivors = new TreeSet<>();
    for (var e : forwards.entrySet()) {
      int c = e.getKey();
      down += count("forwarded shares (down)", Envelope.newBuilder().setSecaggForward(e.getValue()));
      if (gone.contains(c)) {
        continue;
      }
      long t = System.nanoTime();
      cs.get(c).onForward(e.getValue());
      int[] z = Tensors.levelIndices(codec.encode(delta, null), d);
      long[] x = new long[d];
      for (int i = 0; i < d; i++) {
        x[i] = 600L * z[i];
      }
      long[] y = cs.get(c).mask(x);
      var masked = SecAggMasked.newBuilder().setRound(1).setLength(d).setMasked(Packing.pack(y, bits)).setNumSamples(600);
      clientNs += System.nanoTime() - t;
      up += count("masked vector (up)", Envelope.newBuilder().setSecaggMasked(masked));
      t = System.nanoTime();
      server.onMasked(c, Packing.unpack(masked.getMasked(), d, bits));
      serverNs += System.nanoTime() - t;
      survivors.add(c);
    }
    t0 = System.nanoTime();
    var asks = server.unmask(survivors);
    serverNs += System.nanoTime() - t0;
    for (var e : asks.entrySet()) {
      down += count("unmask request (down)", Envelope.newBuilder().setSecaggUnmask(e.getValue()));
      long t = System.nanoTime();
      var rv = cs.get(e.getKey()).reveal(e.getValue());
      clientNs += System.nanoTime() - t;
      up += count("reveal (up)", Envelope.newBuilder().setSecaggReveal(rv));
      t = System.nanoTime();
      server.onReveal(e.getKey(), rv);
      serverNs += System.nanoTime() - t;
    }
    if (!server.recoverable()) {
      return String.format(Locale.ROOT, "%-6d %-4d %-6.2f unrecoverable: a survivor or a dropped client kept fewer than"
          + " t = %d of its %d neighbours", n, k, drop, Math.min(k, k / 2 + 1), k);
    }
    t0 = System.nanoTime();
    server.sum();
    serverNs += System.nanoTime() - t0;
    // Plain FedAvg in the same run: an FP32 update per client, the server's weighted mean.
    var fp32 = new Fp32Codec().encode(delta, null);
    long plainUp = dev.starling.node.wire.proto.ModelUpdate.newBuilder().setDelta(fp32).setNumSamples(600).build()
        .getSerializedSize();
    List<WeightedVector> ups = new ArrayList<>();
    for (int c = 0; c < survivors.size(); c++) {
      ups.add(new WeightedVector(Tensors.decode(fp32, d), 600));
    }
    t0 = System.nanoTime();
    new FedAvg().aggregate(ups);
    long fedAvgNs = System.nanoTime() - t0;
    return String.format(Locale.ROOT, "%-6d %-4d %-6.2f %-14d %-14d %-12.2f %-12.1f %-14d %-14.2f", n, k, drop, up / n,
        down / n, clientNs / 1e6 / n, serverNs / 1e6, plainUp, fedAvgNs / 1e6);
  }
}
