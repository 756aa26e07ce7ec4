package dev.starling.node.dl;

import dev.starling.node.runtime.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.SplittableRandom;

/**
 * Epidemic Learning, EL-Local (de Vos et al., NeurIPS 2023): every round each node sends its model
 * to {@code s} other nodes drawn uniformly at random, and averages its own model with whatever it
 * received, uniformly. The draws come from (seed, sender, round), so a receiver can compute who
 * will send to it and close its round as soon as they have, instead of decentralizepy's
 * "not sending to you" message to every other node (O(n) control messages per node per round).
 */
public final class EpidemicLearning implements SyncRoundPeer.Rule {

  private final int n;
  private final int fanout;
  private final long seed;
  private long cachedRound = -1;
  private List<int[]> in;

  public EpidemicLearning(int n, int fanout, long seed) {
    if (fanout < 1 || fanout >= n) {
      throw new IllegalArgumentException("epidemic fanout " + fanout + " out of range (1.." + (n - 1) + ")");
    }
    this.n = n;
    this.fanout = fanout;
    this.seed = seed;
  }

  @Override
  public int[] sendTo(int self, long round) {
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0x454CL, self, round));
    // Floyd's algorithm over the n - 1 other nodes
    java.util.TreeSet<Integer> chosen = new java.util.TreeSet<>();
    for (int j = n - 1 - fanout; j < n - 1; j++) {
      int t = rng.nextInt(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    int[] out = new int[fanout];
    int k = 0;
    for (int t : chosen) {
      out[k++] = t >= self ? t + 1 : t;
    }
    Arrays.sort(out);
    return out;
  }

  @Override
  public synchronized int[] expectFrom(int self, long round) {
    if (round != cachedRound) {
      List<int[]> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(sendTo(i, round));
      }
      in = TopologySchedule.incoming(out);
      cachedRound = round;
    }
    return in.get(self);
  }

  @Override
  public int degree(int self, long round) {
    return fanout;
  }

  @Override
  public float[] mix(int self, long round, float[] own, SortedMap<Integer, SyncRoundPeer.Received> received) {
    List<float[]> all = new ArrayList<>(received.size() + 1);
    all.add(own);
    for (var r : received.values()) {
      all.add(r.params());
    }
    return PeerTraining.mean(all, all.size());
  }

  @Override
  public String describe() {
    return "epidemic learning (EL-Local, s = " + fanout + ")";
  }
}
