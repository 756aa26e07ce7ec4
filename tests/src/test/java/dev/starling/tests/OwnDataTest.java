package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own data through {@code starling simulate}: a CSV table with users (natural
 * partition), a Keras-style {@code .npz} of byte images, and a folder of RGB PNGs of a size no
 * built-in dataset has, each learned well past chance.
 */
class OwnDataTest {

  @TempDir Path dir;

  /** Runs a config and returns the summary. */
  JsonNode simulate(String name, String config) throws IOException {
    Path cfg = dir.resolve(name + ".conf");
    Files.writeString(cfg, config);
    Path out = dir.resolve(name + "-out");
    Cli.Result r = Cli.run("simulate", cfg.toString(), "--out", out.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
  }

  static String path(Path p) {
    return "\"" + p.toString().replace("\\", "/") + "\"";
  }

  /** Two Gaussian blobs in 4 dimensions, one user per 30 rows. */
  static void blobs(Path file, int rows, long seed) throws IOException {
    SplittableRandom rng = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("user,f1,f2,f3,f4,kind\n");
    for (int i = 0; i < rows; i++) {
      boolean b = rng.nextBoolean();
      sb.append("u").append(i / 30);
      for (int k = 0; k < 4; k++) {
        sb.append(',').append(String.format(Locale.ROOT, "%.4f", (b ? 1.5 : -1.5) + rng.nextDouble(-1, 1)));
      }
      sb.append(',').append(b ? "spam" : "ham").append('\n');
    }
    Files.writeString(file, sb.toString());
  }

  @Test
  void aCsvTableWithUsersTrainsOneClientPerUser() throws IOException {
    blobs(dir.resolve("train.csv"), 600, 1);
    blobs(dir.resolve("test.csv"), 200, 2);
    JsonNode s = simulate("csv", String.join("\n",
        "rounds = 5", "clients.count = 20", "server.clients-per-round = 5", "model.type = logreg",
        "data { dataset = csv, partition = natural, files { train = " + path(dir.resolve("train.csv")) + ", test = "
            + path(dir.resolve("test.csv")) + " }, csv { label-column = kind, group-column = user } }"));
    assertTrue(s.get("final_accuracy").asDouble() > 0.95, s.toString());
    assertTrue(s.get("provenance").get("dataset_sha256").asText().matches("[0-9a-f]{64}"), s.toString());
  }

  static byte[] npy(String descr, String shape, byte[] data) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
    int total = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
    return b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data).array();
  }

  /** n 12x12 gray images: class 1 bright in the top half, class 0 in the bottom half, with noise. */
  static byte[][] stripes(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    byte[] px = new byte[n * 144];
    ByteBuffer y = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(2);
      y.putLong(label);
      for (int p = 0; p < 144; p++) {
        boolean top = p < 72;
        px[i * 144 + p] = (byte) ((top == (label == 1) ? 180 : 40) + rng.nextInt(60));
      }
    }
    return new byte[][] {px, y.array()};
  }

  @Test
  void aKerasStyleNpzOfByteImagesTrainsAnMlp() throws IOException {
    byte[][] tr = stripes(400, 3);
    byte[][] te = stripes(100, 4);
    Path npz = dir.resolve("stripes.npz");
    try (OutputStream o = Files.newOutputStream(npz); ZipOutputStream z = new ZipOutputStream(o)) {
      String[] names = {"x_train", "y_train", "x_test", "y_test"};
      byte[][] arrays = {npy("|u1", "400, 12, 12", tr[0]), npy("<i8", "400,", tr[1]), npy("|u1", "100, 12, 12", te[0]),
          npy("<i8", "100,", te[1])};
      for (int i = 0; i < 4; i++) {
        z.putNextEntry(new ZipEntry(names[i] + ".npy"));
        z.write(arrays[i]);
        z.closeEntry();
      }
    }
    JsonNode s = simulate("npz", String.join("\n",
        "rounds = 4", "clients.count = 10", "server.clients-per-round = 5", "model { type = mlp, hidden = [16] }",
        "data { dataset = npy, partition = iid, files { train = " + path(npz) + ", test = " + path(npz) + " } }"));
    assertTrue(s.get("final_accuracy").asDouble() > 0.95, s.toString());
  }

  static void png(Path file, int label, SplittableRandom rng) throws IOException {
    BufferedImage img = new BufferedImage(20, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 20; x++) {
        int noise = rng.nextInt(60);
        int r = label == 0 ? 190 + noise / 2 : noise;
        int b = label == 1 ? 190 + noise / 2 : noise;
        img.setRGB(x, y, r << 16 | noise << 8 | b);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  @Test
  void aFolderOfColourImagesOfAnySizeTrainsTheCnn() throws IOException {
    SplittableRandom rng = new SplittableRandom(5);
    for (int i = 0; i < 40; i++) {
      png(dir.resolve("img/train/" + (i % 2 == 0 ? "red" : "blue") + "/" + i + ".png"), i % 2 == 0 ? 0 : 1, rng);
    }
    for (int i = 0; i < 10; i++) {
      png(dir.resolve("img/test/" + (i % 2 == 0 ? "red" : "blue") + "/" + i + ".png"), i % 2 == 0 ? 0 : 1, rng);
    }
    JsonNode s = simulate("folder", String.join("\n",
        "rounds = 5", "clients.count = 4", "server.clients-per-round = 4", "model.type = cnn",
        "training { epochs = 5, batch-size = 4 }",
        "data { dataset = image-folder, partition = iid, files { train = " + path(dir.resolve("img/train")) + ", test = "
            + path(dir.resolve("img/test")) + " } }"));
    assertTrue(s.get("final_accuracy").asDouble() >= 0.9, s.toString());
  }
}
