package dev.starling.node.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder of images, one sub-folder per class (as torchvision's {@code ImageFolder}): classes are
 * the sub-folder names in sorted order, taken from the training folder so that both splits agree.
 * Images (PNG, JPEG, BMP, GIF: what {@link ImageIO} reads) may be of any size and of 1 (gray) or
 * 3 (RGB) channels, but all of one dataset must share size and channel count; an alpha channel is
 * dropped. Pixels stay bytes (read as p/255, standardizable).
 */
public final class ImageFolderReader {

  private ImageFolderReader() {}

  /** The two splits. */
  public record Split(ImageDataset train, ImageDataset test) {}

  public static Split read(Path train, Path test) {
    List<String> classes = classes(train);
    if (classes.size() < 2) {
      throw new DataFormatException(train + ": holds " + classes.size() + " class folder(s); a classifier needs at least 2");
    }
    ImageDataset a = read("images/train", train, classes, null);
    ImageDataset b = read("images/test", test, classes, a.featureShape());
    return new Split(a, b);
  }

  private static List<String> classes(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DataFormatException(dir + ": not a directory (expected one sub-directory of images per class)");
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new DataFormatException(dir + ": cannot list (" + e.getMessage() + ")", e);
    }
  }

  private static ImageDataset read(String name, Path dir, List<String> classes, int[] expectShape) {
    List<String> here = classes(dir);
    for (String c : here) {
      if (!classes.contains(c)) {
        throw new DataFormatException(dir.resolve(c) + ": class '" + c + "' is not among the training classes " + classes);
      }
    }
    int[] shape = expectShape;
    List<byte[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int k = 0; k < classes.size(); k++) {
      Path cdir = dir.resolve(classes.get(k));
      if (!Files.isDirectory(cdir)) {
        continue;
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(cdir)) {
        files = s.filter(Files::isRegularFile).filter(ImageFolderReader::isImage).sorted().toList();
      } catch (IOException e) {
        throw new DataFormatException(cdir + ": cannot list (" + e.getMessage() + ")", e);
      }
      for (Path f : files) {
        BufferedImage img;
        try {
          img = ImageIO.read(f.toFile());
        } catch (IOException e) {
          throw new DataFormatException(f + ": not a readable image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
          throw new DataFormatException(f + ": not a readable image");
        }
        int channels = img.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
        int[] s = {channels, img.getHeight(), img.getWidth()};
        if (shape == null) {
          shape = s;
        } else if (!Arrays.equals(shape, s)) {
          throw new DataFormatException(f + ": " + describe(s) + " but the dataset's images are " + describe(shape));
        }
        images.add(pixels(img, channels));
        labels.add(k);
      }
    }
    if (images.isEmpty()) {
      throw new DataFormatException(dir + ": no images in its class folders");
    }
    int len = images.get(0).length;
    byte[] px = new byte[images.size() * len];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, px, i * len, len);
    }
    return new ImageDataset(name, px, labels.stream().mapToInt(Integer::intValue).toArray(), shape, classes.size());
  }

  private static boolean isImage(Path f) {
    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif");
  }

  private static String describe(int[] chw) {
    return chw[2] + "x" + chw[1] + " with " + chw[0] + " channel(s)";
  }

  /** Channels-first bytes: gray as is; colour as R, G, B planes. */
  private static byte[] pixels(BufferedImage img, int channels) {
    int h = img.getHeight();
    int w = img.getWidth();
    byte[] out = new byte[channels * h * w];
    var raster = img.getRaster();
    int shift = Math.max(0, img.getColorModel().getComponentSize(0) - 8); // 16-bit gray to 8 bits
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (channels == 1) {
          out[y * w + x] = (byte) (raster.getSample(x, y, 0) >> shift);
        } else {
          int rgb = img.getRGB(x, y);
          out[y * w + x] = (byte) (rgb >> 16);
          out[h * w + y * w + x] = (byte) (rgb >> 8);
          out[2 * h * w + y * w + x] = (byte) rgb;
        }
      }
    }
    return out;
  }
}
