package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folders of real PNG files, written with ImageIO. */
class ImageFolderReaderTest {

  @TempDir Path dir;

  static void png(Path file, int w, int h, int type, int value) throws IOException {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (type == BufferedImage.TYPE_BYTE_GRAY) {
          img.getRaster().setSample(x, y, 0, value); // the stored byte (setRGB would convert colour spaces)
        } else {
          img.setRGB(x, y, value);
        }
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  @Test
  void classesAreSortedFolderNamesAndColourBecomesThreePlanes() throws IOException {
    Path tr = dir.resolve("train");
    png(tr.resolve("dog/1.png"), 16, 12, BufferedImage.TYPE_INT_RGB, 0x0A141E);
    png(tr.resolve("cat/1.png"), 16, 12, BufferedImage.TYPE_INT_RGB, 0x010203);
    png(tr.resolve("cat/2.png"), 16, 12, BufferedImage.TYPE_INT_RGB, 0x010203);
    Files.writeString(tr.resolve("cat/notes.txt"), "not an image");
    Path te = dir.resolve("test");
    png(te.resolve("dog/a.png"), 16, 12, BufferedImage.TYPE_INT_RGB, 0x0A141E);
    ImageFolderReader.Split s = ImageFolderReader.read(tr, te);
    assertEquals(3, s.train().size());
    assertArrayEquals(new int[] {3, 12, 16}, s.train().featureShape());
    assertArrayEquals(new int[] {0, 0, 1}, s.train().labels()); // cat, cat, dog
    float[] f = new float[3 * 12 * 16];
    s.test().features(0, f, 0);
    assertEquals(10 / 255f, f[0], 1e-6f);
    assertEquals(20 / 255f, f[12 * 16], 1e-6f);
    assertEquals(30 / 255f, f[2 * 12 * 16], 1e-6f);
    assertEquals(1, s.test().label(0));
  }

  @Test
  void grayImagesHaveOneChannelAndMixedSizesAreRefused() throws IOException {
    Path tr = dir.resolve("g");
    png(tr.resolve("a/1.png"), 14, 14, BufferedImage.TYPE_BYTE_GRAY, 200);
    png(tr.resolve("b/1.png"), 14, 14, BufferedImage.TYPE_BYTE_GRAY, 50);
    ImageFolderReader.Split s = ImageFolderReader.read(tr, tr);
    assertArrayEquals(new int[] {1, 14, 14}, s.train().featureShape());
    float[] f = new float[14 * 14];
    s.train().features(0, f, 0);
    assertEquals(200 / 255f, f[5], 1e-6f);

    png(tr.resolve("b/2.png"), 15, 14, BufferedImage.TYPE_BYTE_GRAY, 50);
    String m = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(tr, tr)).getMessage();
    assertTrue(m.contains("2.png") && m.contains("15x14") && m.contains("14x14"), m);
  }

  @Test
  void aTestClassUnknownToTrainingIsRefused() throws IOException {
    Path tr = dir.resolve("t");
    png(tr.resolve("a/1.png"), 4, 4, BufferedImage.TYPE_BYTE_GRAY, 1);
    png(tr.resolve("b/1.png"), 4, 4, BufferedImage.TYPE_BYTE_GRAY, 1);
    Path te = dir.resolve("u");
    png(te.resolve("c/1.png"), 4, 4, BufferedImage.TYPE_BYTE_GRAY, 1);
    String m = assertThrows(DataFormatException.class, () -> ImageFolderReader.read(tr, te)).getMessage();
    assertTrue(m.contains("'c'") && m.contains("[a, b]"), m);
  }
}
