package dev.starling.node.dl;

import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.runtime.Inbound;

/** What a decentralized peer (MoDeST, D-PSGD, Epidemic Learning, gossip) reacts to. */
public sealed interface PeerCommand {

  /** A network message. */
  record Delivered(Inbound inbound) implements PeerCommand {}

  /** Begin the protocol (sent once to every node at time 0). */
  record Start() implements PeerCommand {}

  /**
   * Churn: go offline ({@code online = false}; a graceful leave advertises it, a crash is silent
   * and loses all volatile state) or come (back) online.
   */
  record SetOnline(boolean online, boolean graceful) implements PeerCommand {}

  /** Local training tagged {@code round} and {@code epoch} (the node's online epoch) finished. */
  record TrainingDone(long round, long epoch, LocalTrainer.Result result, Throwable failure) implements PeerCommand {}

  /** A timer; {@code key} says which. */
  record Timer(Object key) implements PeerCommand {}
}
