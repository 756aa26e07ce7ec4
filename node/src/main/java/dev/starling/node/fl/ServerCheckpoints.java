package dev.starling.node.fl;

import dev.starling.node.runtime.FileStorage;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.ServerCheckpoint;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the FL server keeps its checkpoint: one file, replaced atomically each round
 * ({@link FileStorage}), so a crash at any instant leaves either the previous round's checkpoint
 * or this one, never a torn file.
 */
public final class ServerCheckpoints {

  private final FileStorage storage;

  public ServerCheckpoints(Path dir) {
    this.storage = new FileStorage(dir.resolve("server-checkpoint.pb"));
  }

  public Path file() {
    return storage.file();
  }

  /** The last checkpoint, if any. */
  public Optional<ServerCheckpoint> load() {
    Optional<ServerCheckpoint> cp;
    try {
      cp = storage.load(ServerCheckpoint.parser());
    } catch (InvalidMessageException e) {
      throw new InvalidMessageException("checkpoint " + e.getMessage());
    }
    if (cp.isPresent() && cp.get().getVersion() != 1) {
      throw new InvalidMessageException("checkpoint " + file() + " has version " + cp.get().getVersion() + " (allowed 1)");
    }
    return cp;
  }

  /** Replaces the checkpoint with {@code cp}, atomically and durably. */
  public void save(ServerCheckpoint cp) {
    storage.write(cp);
  }
}
