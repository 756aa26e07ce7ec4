package dev.starling.node.runtime;

import dev.starling.node.wire.proto.Envelope;

/** A message delivered by the network: who sent it (as the runtime observed) and what it is. */
public record Inbound(int from, Envelope envelope) {}
