package dev.starling.simulator.runtime;

import dev.starling.node.runtime.Randoms;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A {@link LinkModel} with latency drawn per message from a distribution, one bandwidth for
 * ordinary nodes and one for servers, and independent loss.
 */
public final class SimpleLinkModel implements LinkModel {

  /** Latency laws; {@code spread} is the half-width, standard deviation or log-sd. */
  public enum Latency {
    CONSTANT,
    UNIFORM,
    NORMAL,
    LOGNORMAL
  }

  private final Latency law;
  private final double meanSeconds;
  private final double spread;
  private final double upBps;
  private final double downBps;
  private final double serverBps;
  private final Set<Integer> servers;
  private final double loss;

  public SimpleLinkModel(Latency law, double meanSeconds, double spread, double upBps, double downBps,
      double serverBps, Set<Integer> servers, double loss) {
    this.law = law;
    this.meanSeconds = meanSeconds;
    this.spread = spread;
    this.upBps = upBps;
    this.downBps = downBps;
    this.serverBps = serverBps;
    this.servers = Set.copyOf(servers);
    this.loss = loss;
  }

  @Override
  public double latencySeconds(int from, int to, SplittableRandom rng) {
    double v = switch (law) {
      case CONSTANT -> meanSeconds;
      case UNIFORM -> meanSeconds + (2 * rng.nextDouble() - 1) * spread;
      case NORMAL -> meanSeconds + Randoms.gaussian(rng) * spread;
      case LOGNORMAL -> meanSeconds * StrictMath.exp(spread * Randoms.gaussian(rng) - spread * spread / 2);
    };
    return Math.max(0, v);
  }

  @Override
  public double uplinkBytesPerSecond(int id) {
    return servers.contains(id) ? serverBps : upBps;
  }

  @Override
  public double downlinkBytesPerSecond(int id) {
    return servers.contains(id) ? serverBps : downBps;
  }

  @Override
  public double lossProbability() {
    return loss;
  }

}
