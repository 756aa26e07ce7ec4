package dev.starling.node.runtime;

/** Time as the node sees it: virtual seconds in the simulator, elapsed seconds in a cluster. */
@FunctionalInterface
public interface Clock {
  double nowSeconds();
}
