package dev.starling.node.learning;

import java.util.Arrays;

/**
 * Which network to build: multinomial logistic regression, an MLP with ReLU hidden layers, or a
 * LeNet-5-style CNN (conv5x5x6 same, maxpool, conv5x5x16, maxpool, 120, 84, softmax).
 */
public record ModelSpec(Type type, int[] hidden, int[] inputShape, int numClasses) {

  /** Model families. */
  public enum Type {
    LOGREG,
    MLP,
    CNN
  }

  public ModelSpec {
    hidden = hidden == null ? new int[0] : hidden.clone();
    inputShape = inputShape.clone();
    if (numClasses < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + numClasses);
    }
    if (type == Type.CNN && inputShape.length != 3) {
      throw new IllegalArgumentException(
          "model type cnn needs image data (channels, height, width), got feature shape "
              + Arrays.toString(inputShape));
    }
    if (type == Type.CNN && (inputShape[1] < 12 || inputShape[2] < 12)) {
      throw new IllegalArgumentException("model type cnn needs images of at least 12x12");
    }
    if (type == Type.MLP && hidden.length == 0) {
      throw new IllegalArgumentException("model type mlp needs at least one hidden layer size");
    }
    for (int h : hidden) {
      if (h < 1) {
        throw new IllegalArgumentException("hidden layer sizes must be >= 1, got " + h);
      }
    }
  }

  public int inputLength() {
    int n = 1;
    for (int s : inputShape) {
      n *= s;
    }
    return n;
  }

  /** Multiply-accumulates of one forward pass, times 2 for FLOPs and 3 for forward + backward. */
  public double trainingFlopsPerSample() {
    double macs = 0;
    int in = inputLength();
    switch (type) {
      case LOGREG -> macs = (double) in * numClasses;
      case MLP -> {
        int prev = in;
        for (int h : hidden) {
          macs += (double) prev * h;
          prev = h;
        }
        macs += (double) prev * numClasses;
      }
      case CNN -> {
        int c = inputShape[0];
        int h = inputShape[1];
        int w = inputShape[2];
        macs += (double) h * w * 6 * 25 * c;
        int h2 = h / 2 - 4;
        int w2 = w / 2 - 4;
        macs += (double) h2 * w2 * 16 * 25 * 6;
        int flat = (h2 / 2) * (w2 / 2) * 16;
        macs += (double) flat * 120 + 120.0 * 84 + 84.0 * numClasses;
      }
    }
    return 6 * macs;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec m && m.type == type && Arrays.equals(m.hidden, hidden)
        && Arrays.equals(m.inputShape, inputShape) && m.numClasses == numClasses;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * type.hashCode() + Arrays.hashCode(hidden)) + Arrays.hashCode(inputShape)) + numClasses;
  }

  @Override
  public String toString() {
    return type.name().toLowerCase() + (hidden.length > 0 ? Arrays.toString(hidden) : "")
        + " on " + Arrays.toString(inputShape) + " -> " + numClasses;
  }
}
