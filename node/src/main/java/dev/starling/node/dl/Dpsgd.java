package dev.starling.node.dl;

import java.util.Map;
import java.util.SortedMap;

/**
 * D-PSGD (Lian et al. 2017): each round every node sends its model to its neighbours in the
 * round's graph and replaces its model by the Metropolis-Hastings weighted average
 * {@code w_ij = 1 / (1 + max(d_i, d_j))}, {@code w_ii = 1 - sum_j w_ij}, with d_j as advertised
 * by neighbour j (decentralizepy's rule). The graph can be static (ring, k-regular, fully
 * connected), directed (one-peer exponential) or fresh every round. A neighbour whose model
 * misses the round deadline gets weight 0 and its weight stays with the node, so the mix stays
 * an average.
 */
public final class Dpsgd implements SyncRoundPeer.Rule {

  private final TopologySchedule schedule;

  public Dpsgd(TopologySchedule schedule) {
    this.schedule = schedule;
  }

  @Override
  public int[] sendTo(int self, long round) {
    return schedule.out(self, round);
  }

  @Override
  public int[] expectFrom(int self, long round) {
    return schedule.in(self, round);
  }

  @Override
  public float[] mix(int self, long round, float[] own, SortedMap<Integer, SyncRoundPeer.Received> received) {
    int myDegree = degree(self, round);
    float[] out = new float[own.length];
    double selfWeight = 1;
    for (Map.Entry<Integer, SyncRoundPeer.Received> e : received.entrySet()) {
      double w = 1.0 / (1 + Math.max(myDegree, e.getValue().degree()));
      selfWeight -= w;
      float wf = (float) w;
      float[] p = e.getValue().params();
      for (int i = 0; i < out.length; i++) {
        out[i] += wf * p[i];
      }
    }
    float sw = (float) selfWeight;
    for (int i = 0; i < out.length; i++) {
      out[i] += sw * own[i];
    }
    return out;
  }

  @Override
  public String describe() {
    return "d-psgd on " + schedule.topology().describe();
  }
}
