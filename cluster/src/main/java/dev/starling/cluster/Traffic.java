package dev.starling.cluster;

import java.util.concurrent.atomic.AtomicLong;

/** This JVM's traffic counters, shared by the outbox, the endpoints and the runtime. */
final class Traffic {
  final AtomicLong bytesSent = new AtomicLong();
  final AtomicLong bytesReceived = new AtomicLong();
  final AtomicLong messagesSent = new AtomicLong();
  final AtomicLong messagesReceived = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong unrouted = new AtomicLong();
}
