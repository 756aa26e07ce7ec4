package dev.starling.node.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST, Fashion-MNIST and EMNIST (raw or gzipped, detected from the
 * magic bytes): a big-endian header {@code 0x00 0x00 type ndims}, the dimension sizes, then the
 * data. Only unsigned-byte data (type 0x08) occurs in these datasets and only that is accepted.
 */
public final class IdxReader {

  private IdxReader() {}

  /** Header and payload of one IDX file. */
  public record Idx(int[] dims, byte[] data) {}

  public static Idx read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException("IDX file not found: " + file);
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
      return read(in, file.toString());
    } catch (IOException e) {
      throw new DataFormatException("cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  static Idx read(InputStream stream, String what) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    try {
      int zero = in.readUnsignedShort();
      int type = in.readUnsignedByte();
      int ndims = in.readUnsignedByte();
      if (zero != 0) {
        throw new DataFormatException(what + ": not an IDX file (bad magic)");
      }
      if (type != 0x08) {
        throw new DataFormatException(
            what + ": IDX element type 0x" + Integer.toHexString(type) + " unsupported (only 0x08 unsigned byte)");
      }
      if (ndims < 1 || ndims > 4) {
        throw new DataFormatException(what + ": IDX dimension count " + ndims + " outside 1..4");
      }
      int[] dims = new int[ndims];
      long total = 1;
      for (int i = 0; i < ndims; i++) {
        dims[i] = in.readInt();
        if (dims[i] <= 0) {
          throw new DataFormatException(what + ": IDX dimension " + i + " is " + dims[i]);
        }
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE - 8) {
        throw new DataFormatException(what + ": IDX payload of " + total + " bytes is too large");
      }
      byte[] data = new byte[(int) total];
      in.readFully(data);
      return new Idx(dims, data);
    } catch (EOFException e) {
      throw new DataFormatException(what + ": IDX file is truncated", e);
    }
  }

  /** Pairs an images file (n x h x w) with a labels file (n) into a dataset. */
  public static ImageDataset images(String name, Path imagesFile, Path labelsFile, int numClasses) {
    Idx images = read(imagesFile);
    Idx labels = read(labelsFile);
    if (images.dims().length != 3) {
      throw new DataFormatException(imagesFile + ": expected 3 dimensions (n, rows, cols), got " + images.dims().length);
    }
    if (labels.dims().length != 1) {
      throw new DataFormatException(labelsFile + ": expected 1 dimension, got " + labels.dims().length);
    }
    if (images.dims()[0] != labels.dims()[0]) {
      throw new DataFormatException(
          imagesFile + " has " + images.dims()[0] + " images but " + labelsFile + " has " + labels.dims()[0] + " labels");
    }
    int[] ys = new int[labels.dims()[0]];
    for (int i = 0; i < ys.length; i++) {
      ys[i] = labels.data()[i] & 0xff;
      if (ys[i] >= numClasses) {
        throw new DataFormatException(labelsFile + ": label " + ys[i] + " at " + i + " is outside [0, " + numClasses + ")");
      }
    }
    int[] shape = {1, images.dims()[1], images.dims()[2]};
    return new ImageDataset(name, images.data(), ys, shape, numClasses);
  }
}
