package dev.starling.node.runtime;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Storage held in memory by whoever outlives the node: the simulator (one per node, kept across
 * its restarts) and the role tests. It keeps the role's builder of the saved message, which
 * holds only values the role no longer changes, and builds the message when the node restarts:
 * saving costs no encoding, and a restart reads exactly what the cluster would have written.
 */
public final class MemoryStorage implements Storage {
  private Supplier<? extends Message> saved;

  @Override
  @SuppressWarnings("unchecked")
  public <M extends Message> Optional<M> load(Parser<M> parser) {
    return saved == null ? Optional.empty() : Optional.of((M) saved.get());
  }

  @Override
  public void save(Supplier<? extends Message> state) {
    saved = state;
  }

  /** Whether nothing was ever saved. */
  public boolean isEmpty() {
    return saved == null;
  }
}
