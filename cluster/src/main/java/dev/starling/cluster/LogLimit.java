package dev.starling.cluster;

import org.slf4j.Logger;

/**
 * At most {@code perWindow} lines per {@code windowNanos} for one kind of event that a peer can
 * cause at will (refused handshakes, rejected frames), so a flood cannot fill the disk or drown
 * the log; the next line allowed says how many were left out. Thread-safe.
 */
final class LogLimit {

  private final int perWindow;
  private final long windowNanos;
  private long windowStart = System.nanoTime();
  private int used;
  private long suppressed;

  LogLimit(int perWindow, long windowNanos) {
    this.perWindow = perWindow;
    this.windowNanos = windowNanos;
  }

  /** Logs {@code line} at WARN unless this window's lines are used up. */
  synchronized void warn(Logger log, String line) {
    long now = System.nanoTime();
    if (now - windowStart > windowNanos) {
      windowStart = now;
      used = 0;
    }
    if (used >= perWindow) {
      suppressed++;
      return;
    }
    used++;
    if (suppressed > 0) {
      log.warn("{} ({} similar lines left out)", line, suppressed);
      suppressed = 0;
    } else {
      log.warn(line);
    }
  }
}
