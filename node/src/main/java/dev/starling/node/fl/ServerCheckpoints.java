package dev.starling.node.fl;

import com.google.protobuf.CodedInputStream;
import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.proto.ServerCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Where the FL server keeps its checkpoint: one file, replaced atomically each round (written to a
 * temporary file, forced to disk, then renamed over the old one), so a crash at any instant leaves
 * either the previous round's checkpoint or this one, never a torn file.
 */
public final class ServerCheckpoints {

  private final Path file;

  public ServerCheckpoints(Path dir) {
    this.file = dir.resolve("server-checkpoint.pb");
  }

  public Path file() {
    return file;
  }

  /** The last checkpoint, if any. */
  public Optional<ServerCheckpoint> load() {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      byte[] bytes = Files.readAllBytes(file);
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(bytes.length);
      ServerCheckpoint cp = ServerCheckpoint.parseFrom(in);
      if (cp.getVersion() != 1) {
        throw new InvalidMessageException("checkpoint " + file + " has version " + cp.getVersion() + " (allowed 1)");
      }
      return Optional.of(cp);
    } catch (IOException e) {
      throw new InvalidMessageException("checkpoint " + file + " is unreadable: " + e.getMessage());
    }
  }

  /** Replaces the checkpoint with {@code cp}, atomically and durably. */
  public void save(ServerCheckpoint cp) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(cp.toByteArray());
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
        dir.force(true); // the rename itself survives a power loss
      } catch (IOException ignored) {
        // some file systems cannot open a directory; the data file is already durable
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write checkpoint " + file, e);
    }
  }
}
