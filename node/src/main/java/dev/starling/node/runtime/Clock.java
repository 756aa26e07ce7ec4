package dev.starling.node.runtime;

/** Time as the node sees it: virtual seconds in the simulator, elapsed seconds in a cluster. */
@FunctionalInterface
public interface Clock {
  double nowSeconds();

  /** Seconds (as configs give them) as a Duration for Pekko timers, rounded to the nanosecond. */
  static java.time.Duration seconds(double s) {
    return java.time.Duration.ofNanos(Math.round(s * 1e9));
  }
}
