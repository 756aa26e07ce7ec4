package dev.starling.node.runtime;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A node's durable storage: what survives its crash. Both runtimes keep one per node, under the
 * same contract: a crash loses everything else the node held, a restart builds the role afresh,
 * and the role continues from what it saved last (or from its setup on a first start). The
 * cluster writes it to a file in the member's directory; the simulator keeps it across the
 * node's restarts. A role saves where its protocol says (a peer at the end of a round).
 */
public interface Storage {

  /** The message saved last, parsed with {@code parser}; empty on a node's first start. */
  <M extends Message> Optional<M> load(Parser<M> parser);

  /**
   * Replaces what is saved; durable when this returns. {@code state} builds the message from
   * values the role will not change (immutable objects, arrays it replaces rather than writes):
   * the cluster builds and writes it now, the simulator only when the node restarts.
   */
  void save(Supplier<? extends Message> state);

  /** Nothing survives: every start is a first start (and saving keeps nothing). */
  Storage NONE = new Storage() {
    @Override
    public <M extends Message> Optional<M> load(Parser<M> parser) {
      return Optional.empty();
    }

    @Override
    public void save(Supplier<? extends Message> state) {}
  };
}
