package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  @TempDir Path dir;

  /** Writes a real IDX file (big-endian header) for n images of rows x cols. */
  static byte[] idxImages(int n, int rows, int cols) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeShort(0);
    out.writeByte(0x08);
    out.writeByte(3);
    out.writeInt(n);
    out.writeInt(rows);
    out.writeInt(cols);
    for (int i = 0; i < n * rows * cols; i++) {
      out.writeByte(i % 256);
    }
    return bos.toByteArray();
  }

  static byte[] idxLabels(int... labels) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeShort(0);
    out.writeByte(0x08);
    out.writeByte(1);
    out.writeInt(labels.length);
    for (int y : labels) {
      out.writeByte(y);
    }
    return bos.toByteArray();
  }

  static void gzip(Path p, byte[] data) throws IOException {
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
      o.write(data);
    }
  }

  @Test
  void readsRawAndGzippedImagesWithLabels() throws IOException {
    Files.write(dir.resolve("img"), idxImages(3, 4, 5));
    gzip(dir.resolve("lab.gz"), idxLabels(7, 0, 9));
    ImageDataset ds = IdxReader.images("t", dir.resolve("img"), dir.resolve("lab.gz"), 10);
    assertEquals(3, ds.size());
    assertArrayEquals(new int[] {1, 4, 5}, ds.featureShape());
    assertArrayEquals(new int[] {7, 0, 9}, ds.labels());
    float[] f = new float[20];
    ds.features(1, f, 0);
    assertEquals(20 / 255f, f[0], 1e-7); // sample 1 starts at byte 20
    assertEquals(39 / 255f, f[19], 1e-7);
  }

  @Test
  void truncatedFileIsRejectedWithItsName() throws IOException {
    byte[] full = idxImages(3, 4, 5);
    Files.write(dir.resolve("short"), java.util.Arrays.copyOf(full, full.length - 7));
    DataFormatException e = assertThrows(DataFormatException.class, () -> IdxReader.read(dir.resolve("short")));
    assertTrue(e.getMessage().contains("short") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void wrongMagicTypeAndCountsAreRejected() throws IOException {
    byte[] bad = idxImages(1, 2, 2);
    bad[2] = 0x0D; // float data
    Files.write(dir.resolve("float"), bad);
    assertThrows(DataFormatException.class, () -> IdxReader.read(dir.resolve("float")));
    Files.write(dir.resolve("img"), idxImages(3, 4, 5));
    Files.write(dir.resolve("lab"), idxLabels(1, 2));
    DataFormatException e = assertThrows(DataFormatException.class,
        () -> IdxReader.images("t", dir.resolve("img"), dir.resolve("lab"), 10));
    assertTrue(e.getMessage().contains("3 images but"), e.getMessage());
    Files.write(dir.resolve("lab11"), idxLabels(1, 2, 11));
    assertThrows(DataFormatException.class, () -> IdxReader.images("t", dir.resolve("img"), dir.resolve("lab11"), 10));
    assertThrows(DataFormatException.class, () -> IdxReader.read(dir.resolve("missing")));
  }
}
