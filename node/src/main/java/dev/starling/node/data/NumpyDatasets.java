package dev.starling.node.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Train and test sets from NumPy arrays. Each split is an {@code .npz} archive holding {@code x}
 * and {@code y} (or {@code x_train}/{@code y_train} and {@code x_test}/{@code y_test}, as Keras
 * ships MNIST), or a directory holding {@code x.npy} and {@code y.npy}. Features of shape (N, d)
 * are vectors; (N, H, W) one-channel images; (N, H, W, C) with C in {1, 3, 4} channels-last
 * images, turned into channels-first; other (N, C, H, W) channels-first. {@code uint8} images
 * stay bytes (read as p/255, standardizable); everything else becomes floats.
 */
public final class NumpyDatasets {

  private NumpyDatasets() {}

  /** Both splits; class count = the largest label of either + 1. */
  public static Split read(Path train, Path test) {
    NpyReader.Array[] tr = arrays(train, "train");
    NpyReader.Array[] te = arrays(test, "test");
    int[] ytr = tr[1].labels();
    int[] yte = te[1].labels();
    int classes = Math.max(Arrays.stream(ytr).max().orElse(0), Arrays.stream(yte).max().orElse(0)) + 1;
    if (classes < 2) {
      throw new DataFormatException(train + ": labels hold " + classes + " class(es); a classifier needs at least 2");
    }
    Dataset a = dataset("npy/train", tr[0], ytr, classes);
    Dataset b = dataset("npy/test", te[0], yte, classes);
    if (!Arrays.equals(a.featureShape(), b.featureShape())) {
      throw new DataFormatException(test + ": features of shape " + Arrays.toString(b.featureShape())
          + " but the training features are " + Arrays.toString(a.featureShape()));
    }
    return new Split(a, b);
  }

  /** The two splits. */
  public record Split(Dataset train, Dataset test) {}

  private static NpyReader.Array[] arrays(Path p, String split) {
    NpyReader.Array x;
    NpyReader.Array y;
    if (Files.isDirectory(p)) {
      x = NpyReader.read(need(p.resolve("x.npy")));
      y = NpyReader.read(need(p.resolve("y.npy")));
    } else if (Files.isRegularFile(p) && p.toString().endsWith(".npz")) {
      Map<String, NpyReader.Array> all = NpyReader.readNpz(p);
      x = all.containsKey("x") ? all.get("x") : all.get("x_" + split);
      y = all.containsKey("y") ? all.get("y") : all.get("y_" + split);
      if (x == null || y == null) {
        throw new DataFormatException(p + ": holds " + all.keySet() + "; expected x and y, or x_" + split + " and y_" + split);
      }
    } else {
      throw new DataFormatException(p + ": not found (expected an .npz file or a directory holding x.npy and y.npy)");
    }
    if (y.shape().length != 1 || x.shape().length < 2 || x.shape()[0] != y.shape()[0]) {
      throw new DataFormatException(p + ": x of shape " + Arrays.toString(x.shape()) + " and y of shape "
          + Arrays.toString(y.shape()) + " (expected x (N, ...) and y (N))");
    }
    if (y.shape()[0] == 0) {
      throw new DataFormatException(p + ": no samples");
    }
    return new NpyReader.Array[] {x, y};
  }

  private static Path need(Path f) {
    if (!Files.isRegularFile(f)) {
      throw new DataFormatException(f + ": not found");
    }
    return f;
  }

  private static Dataset dataset(String name, NpyReader.Array x, int[] y, int classes) {
    int[] s = x.shape();
    int n = s[0];
    int[] shape;
    boolean channelsLast = false;
    if (s.length == 2) {
      shape = new int[] {s[1]};
    } else if (s.length == 3) {
      shape = new int[] {1, s[1], s[2]};
    } else if (s.length == 4) {
      channelsLast = isChannels(s[3]) && !isChannels(s[1]);
      shape = channelsLast ? new int[] {s[3], s[1], s[2]} : new int[] {s[1], s[2], s[3]};
    } else {
      throw new DataFormatException(name + ": features of shape " + Arrays.toString(s) + " (allowed 2 to 4 dimensions)");
    }
    boolean image = shape.length == 3;
    if (image && x.isBytes()) {
      byte[] px = x.bytes();
      return new ImageDataset(name, channelsLast ? toChannelsFirst(px, n, shape) : px, y, shape, classes);
    }
    float[] f = x.floats();
    if (channelsLast) {
      f = toChannelsFirst(f, n, shape);
    }
    return new DenseDataset(name, f, y, shape, classes, null);
  }

  private static boolean isChannels(int c) {
    return c == 1 || c == 3 || c == 4;
  }

  /** Where each channels-first element of one sample comes from in its channels-last layout. */
  private static int[] fromChannelsLast(int[] chw) {
    int c = chw[0];
    int hw = chw[1] * chw[2];
    int[] from = new int[c * hw];
    for (int p = 0; p < hw; p++) {
      for (int k = 0; k < c; k++) {
        from[k * hw + p] = p * c + k;
      }
    }
    return from;
  }

  private static byte[] toChannelsFirst(byte[] hwc, int n, int[] chw) {
    int[] from = fromChannelsLast(chw);
    byte[] out = new byte[hwc.length];
    for (int i = 0, base = 0; i < n; i++, base += from.length) {
      for (int j = 0; j < from.length; j++) {
        out[base + j] = hwc[base + from[j]];
      }
    }
    return out;
  }

  private static float[] toChannelsFirst(float[] hwc, int n, int[] chw) {
    int[] from = fromChannelsLast(chw);
    float[] out = new float[hwc.length];
    for (int i = 0, base = 0; i < n; i++, base += from.length) {
      for (int j = 0; j < from.length; j++) {
        out[base + j] = hwc[base + from[j]];
      }
    }
    return out;
  }
}
