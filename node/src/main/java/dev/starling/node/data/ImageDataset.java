package dev.starling.node.data;

import java.util.Objects;

/**
 * Greyscale or multi-channel 8-bit images with integer labels, stored as bytes (a quarter of the
 * memory of floats) and scaled to [0, 1] when read, then optionally standardized: {@code (p/255 -
 * mean) / std} with the training set's pixel statistics, as torchvision's MNIST examples do.
 */
public final class ImageDataset implements Dataset {

  private final String name;
  private final byte[] pixels;
  private final int[] labels;
  private final int[] shape;
  private final int numClasses;
  private final int length;
  private final float mean;
  private final float invStd;

  public ImageDataset(String name, byte[] pixels, int[] labels, int[] shape, int numClasses) {
    this(name, pixels, labels, shape, numClasses, 0f, 1f);
  }

  private ImageDataset(String name, byte[] pixels, int[] labels, int[] shape, int numClasses, float mean, float invStd) {
    this.mean = mean;
    this.invStd = invStd;
    this.name = Objects.requireNonNull(name);
    this.pixels = Objects.requireNonNull(pixels);
    this.labels = Objects.requireNonNull(labels);
    this.shape = shape.clone();
    this.numClasses = numClasses;
    this.length = featureLength();
    if ((long) labels.length * length != pixels.length) {
      throw new IllegalArgumentException(
          name + ": " + labels.length + " labels but " + pixels.length + " pixel bytes for shape "
              + java.util.Arrays.toString(shape));
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            name + ": label " + labels[i] + " of sample " + i + " is outside [0, " + numClasses + ")");
      }
    }
  }

  /** The same images read as {@code (p/255 - mean) / std} (sharing the pixel bytes). */
  public ImageDataset standardized(double mean, double std) {
    if (!(std > 0) || !Double.isFinite(mean)) {
      throw new IllegalArgumentException(name + ": cannot standardize with mean " + mean + " and std " + std);
    }
    return new ImageDataset(name, pixels, labels, shape, numClasses, (float) mean, (float) (1 / std));
  }

  /** Mean and standard deviation of all pixel values in [0, 1] (summed in order, in double). */
  public double[] pixelStats() {
    long sum = 0;
    long sumSq = 0;
    for (byte b : pixels) {
      int v = b & 0xff;
      sum += v;
      sumSq += (long) v * v;
    }
    double n = pixels.length;
    double mean = sum / n / 255;
    double var = sumSq / n / (255.0 * 255) - mean * mean;
    return new double[] {mean, Math.sqrt(Math.max(var, 0))};
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int[] featureShape() {
    return shape.clone();
  }

  @Override
  public int featureLength() {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    return n;
  }

  @Override
  public int label(int i) {
    return labels[i];
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  @Override
  public void features(int i, float[] dst, int offset) {
    int base = i * length;
    for (int j = 0; j < length; j++) {
      dst[offset + j] = ((pixels[base + j] & 0xff) * (1f / 255f) - mean) * invStd;
    }
  }
}
