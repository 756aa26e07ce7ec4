package dev.starling.node.dl;

import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.runtime.Inbound;

/** What a decentralized peer (MoDeST, D-PSGD, Epidemic Learning, gossip) reacts to. */
public sealed interface PeerCommand {

  /** A network message. */
  record Delivered(Inbound inbound) implements PeerCommand {}

  /**
   * Begin (or, after a restart, resume) the protocol: sent once to every node when the runtime has
   * started it. A crash is not a message: the runtime stops the node, and a restart starts a new
   * one from the node's {@link dev.starling.node.runtime.Storage}.
   */
  record Start() implements PeerCommand {}

  /** Leave gracefully: announce it (MoDeST advertises a LEAVE); the runtime then stops the node. */
  record Leave() implements PeerCommand {}

  /** Local training tagged {@code round} and {@code epoch} (work started before a jump is stale) finished. */
  record TrainingDone(long round, long epoch, LocalTrainer.Result result, Throwable failure) implements PeerCommand {}

  /** A timer; {@code key} says which. */
  record Timer(Object key) implements PeerCommand {}
}
