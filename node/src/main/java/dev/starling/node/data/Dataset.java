package dev.starling.node.data;

/**
 * A labelled classification dataset held in memory.
 *
 * <p>Features of sample {@code i} are {@link #featureLength()} floats, laid out as
 * {@link #featureShape()} (for images: channels, height, width). Implementations store samples
 * compactly (images as bytes) and expand them only when a batch is built.
 */
public interface Dataset {

  /** A short name for reports, e.g. {@code mnist/train}. */
  String name();

  int size();

  int numClasses();

  /** {@code {dim}} for dense vectors, {@code {channels, height, width}} for images. */
  int[] featureShape();

  default int featureLength() {
    int n = 1;
    for (int s : featureShape()) {
      n *= s;
    }
    return n;
  }

  /** Whether the features are images (needed by convolutional models). */
  default boolean isImage() {
    return featureShape().length == 3;
  }

  int label(int i);

  /** Writes the features of sample {@code i} into {@code dst} starting at {@code offset}. */
  void features(int i, float[] dst, int offset);

  /** All labels (a copy), in sample order. */
  default int[] labels() {
    int[] out = new int[size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = label(i);
    }
    return out;
  }

  /**
   * The natural owner (writer, user, device) of each sample, or {@code null} when the dataset
   * has none. Used by the natural partitioner.
   */
  default int[] groups() {
    return null;
  }
}
