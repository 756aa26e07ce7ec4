package dev.starling.node.data;

import java.util.Objects;

/** Dense float feature vectors with integer labels and optional natural groups (users). */
public final class DenseDataset implements Dataset {

  private final String name;
  private final float[] features;
  private final int[] labels;
  private final int[] shape;
  private final int numClasses;
  private final int[] groups;
  private final int length;

  public DenseDataset(
      String name, float[] features, int[] labels, int[] shape, int numClasses, int[] groups) {
    this.name = Objects.requireNonNull(name);
    this.features = Objects.requireNonNull(features);
    this.labels = Objects.requireNonNull(labels);
    this.shape = shape.clone();
    this.numClasses = numClasses;
    this.groups = groups == null ? null : groups.clone();
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    this.length = n;
    if ((long) labels.length * length != features.length) {
      throw new IllegalArgumentException(
          name + ": " + labels.length + " labels but " + features.length + " feature values");
    }
    if (groups != null && groups.length != labels.length) {
      throw new IllegalArgumentException(name + ": groups and labels differ in length");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            name + ": label " + labels[i] + " of sample " + i + " is outside [0, " + numClasses + ")");
      }
    }
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
    return length;
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
  public int[] groups() {
    return groups == null ? null : groups.clone();
  }

  @Override
  public void features(int i, float[] dst, int offset) {
    System.arraycopy(features, i * length, dst, offset, length);
  }
}
