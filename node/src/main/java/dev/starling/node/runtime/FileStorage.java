package dev.starling.node.runtime;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.starling.node.wire.InvalidMessageException;
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
import java.util.function.Supplier;

/**
 * Storage in one file on the node's disk (a cluster member's directory), replaced atomically on
 * every save: written to a temporary file, forced to disk, then renamed over the old one, so a
 * crash at any instant leaves either the previous state or the new one, never a torn file.
 */
public final class FileStorage implements Storage {
  private final Path file;

  public FileStorage(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  @Override
  public <M extends Message> Optional<M> load(Parser<M> parser) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      byte[] bytes = Files.readAllBytes(file);
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(bytes.length);
      return Optional.of(parser.parseFrom(in));
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidMessageException(file + " is not a valid saved state: " + e.getMessage());
    } catch (IOException e) {
      throw new InvalidMessageException(file + " is unreadable: " + e.getMessage());
    }
  }

  @Override
  public void save(Supplier<? extends Message> state) {
    write(state.get());
  }

  /** Replaces the file's content with {@code m}, atomically and durably. */
  public void write(Message m) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(m.toByteArray());
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
      try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
        dir.force(true); // the rename itself survives a power loss
      } catch (IOException ignored) {
        // some file systems cannot open a directory; the data file is already durable
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }
}
