package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy and .npz files written byte for byte as numpy.save writes them (format 1.0). */
class NpyReaderTest {

  @TempDir Path dir;

  /** An .npy file: magic, version 1.0, a header dict padded with spaces to a multiple of 64, the data. */
  static byte[] npy(String descr, String shape, byte[] data, boolean fortran) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': (" + shape
        + "), }";
    int total = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return b.array();
  }

  static byte[] f4(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  static byte[] i8(long... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long l : v) {
      b.putLong(l);
    }
    return b.array();
  }

  static void npz(Path file, String[] names, byte[][] arrays) throws IOException {
    try (OutputStream o = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(o)) {
      for (int i = 0; i < names.length; i++) {
        z.putNextEntry(new ZipEntry(names[i] + ".npy"));
        z.write(arrays[i]);
        z.closeEntry();
      }
    }
  }

  @Test
  void readsVectorsFromADirectoryAndLabelsAsClassIds() throws IOException {
    Path tr = Files.createDirectories(dir.resolve("train"));
    Files.write(tr.resolve("x.npy"), npy("<f4", "3, 2", f4(1, 2, 3, 4, 5, 6), false));
    Files.write(tr.resolve("y.npy"), npy("<i8", "3,", i8(0, 2, 1), false));
    Path te = Files.createDirectories(dir.resolve("test"));
    Files.write(te.resolve("x.npy"), npy("<f4", "1, 2", f4(7, 8), false));
    Files.write(te.resolve("y.npy"), npy("<i8", "1,", i8(1), false));
    NumpyDatasets.Split s = NumpyDatasets.read(tr, te);
    assertEquals(3, s.train().size());
    assertEquals(3, s.train().numClasses());
    assertArrayEquals(new int[] {2}, s.train().featureShape());
    float[] f = new float[2];
    s.train().features(2, f, 0);
    assertArrayEquals(new float[] {5, 6}, f, 0f);
    assertArrayEquals(new int[] {0, 2, 1}, s.train().labels());
  }

  @Test
  void readsChannelsLastByteImagesFromAKerasStyleNpzAsChannelsFirst() throws IOException {
    // two 2x2 RGB images, channels last: pixel (r, g, b) = (10p, 10p+1, 10p+2) for p = 0..3 (+100 for the 2nd)
    byte[] px = new byte[2 * 2 * 2 * 3];
    for (int i = 0; i < 2; i++) {
      for (int p = 0; p < 4; p++) {
        for (int c = 0; c < 3; c++) {
          px[i * 12 + p * 3 + c] = (byte) (100 * i + 10 * p + c);
        }
      }
    }
    Path file = dir.resolve("data.npz");
    npz(file, new String[] {"x_train", "y_train", "x_test", "y_test"}, new byte[][] {
        npy("|u1", "2, 2, 2, 3", px, false), npy("<i8", "2,", i8(0, 1), false),
        npy("|u1", "1, 2, 2, 3", java.util.Arrays.copyOf(px, 12), false), npy("<i8", "1,", i8(1), false)});
    NumpyDatasets.Split s = NumpyDatasets.read(file, file);
    assertTrue(s.train() instanceof ImageDataset);
    assertArrayEquals(new int[] {3, 2, 2}, s.train().featureShape());
    float[] f = new float[12];
    s.train().features(1, f, 0);
    // channel-first: R plane of image 1 is 100, 110, 120, 130
    assertEquals(100 / 255f, f[0], 1e-6f);
    assertEquals(130 / 255f, f[3], 1e-6f);
    assertEquals(101 / 255f, f[4], 1e-6f); // G plane starts
    assertEquals(1, s.test().size());
  }

  @Test
  void refusesWhatItCannotReadExactly() throws IOException {
    Path p = dir.resolve("a.npy");
    Files.write(p, npy(">f4", "2,", f4(1, 2), false));
    assertTrue(assertThrows(DataFormatException.class, () -> NpyReader.read(p)).getMessage().contains(">f4"));
    Files.write(p, npy("<f4", "2, 2", f4(1, 2, 3, 4), true));
    assertTrue(assertThrows(DataFormatException.class, () -> NpyReader.read(p)).getMessage().contains("Fortran"));
    Files.write(p, npy("<f4", "3,", f4(1, 2), false));
    String m = assertThrows(DataFormatException.class, () -> NpyReader.read(p)).getMessage();
    assertTrue(m.contains("needs 12 data bytes") && m.contains("has 8"), m);
    Files.write(p, npy("<f4", "99999999999,", f4(1), false));
    assertTrue(assertThrows(DataFormatException.class, () -> NpyReader.read(p)).getMessage().contains("99999999999"));
    Files.write(p, "not numpy".getBytes(StandardCharsets.UTF_8));
    assertTrue(assertThrows(DataFormatException.class, () -> NpyReader.read(p)).getMessage().contains("magic"));
    Files.write(p, npy("<f4", "2,", f4(1, Float.NaN), false));
    assertTrue(assertThrows(DataFormatException.class, () -> NpyReader.read(p).floats()).getMessage().contains("NaN"));
    Files.write(p, npy("<f4", "2,", f4(0, 1), false));
    assertTrue(assertThrows(DataFormatException.class, () -> NpyReader.read(p).labels()).getMessage().contains("integer"));
    Path z = dir.resolve("x.npz");
    npz(z, new String[] {"features"}, new byte[][] {npy("<f4", "1,", f4(1), false)});
    m = assertThrows(DataFormatException.class, () -> NumpyDatasets.read(z, z)).getMessage();
    assertTrue(m.contains("[features]") && m.contains("x_train"), m);
  }
}
