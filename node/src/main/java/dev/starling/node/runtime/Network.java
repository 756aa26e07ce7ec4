package dev.starling.node.runtime;

import dev.starling.node.wire.proto.Envelope;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The network port of one node: send protobuf envelopes to other nodes by id, receive theirs.
 * The simulator backs it with a modelled network on virtual time, the cluster runtime with Artery.
 * Delivery is asynchronous and may fail silently (loss, crashed receiver): roles use timeouts.
 */
public interface Network {

  /** Stamps sender and sequence number on {@code message} and sends it to node {@code to}. */
  void send(int to, Envelope.Builder message);

  /** Where this node's incoming messages go; a role binds its adapter once, at start. */
  void bind(ActorRef<Inbound> inbox);

  /**
   * The role rejected a message this port delivered from node {@code from} (invalid, unexpected
   * or stale) and applied nothing of it: the port logs it (at a bounded rate where peers can cause
   * it at will) and counts it in the run's {@code messages_rejected}. {@code format} takes SLF4J
   * {@code {}} arguments.
   */
  void rejected(int from, String format, Object... args);
}
