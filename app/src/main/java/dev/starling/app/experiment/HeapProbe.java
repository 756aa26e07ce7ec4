package dev.starling.app.experiment;

/**
 * The heap a run holds at its end, for the scaling benchmarks: with {@code -Dstarling.heapAtEnd=true}
 * the simulation calls {@link #measure} while everything it needs is still reachable, and the
 * figure goes into {@code summary.json} as {@code heap_after_gc_bytes}.
 */
final class HeapProbe {
  private HeapProbe() {}

  /** Heap in use after two full collections, or -1 when not asked for. */
  static long measure() {
    if (!Boolean.getBoolean("starling.heapAtEnd")) {
      return -1;
    }
    System.gc();
    System.gc();
    return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
  }
}
