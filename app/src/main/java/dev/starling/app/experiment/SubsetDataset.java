package dev.starling.app.experiment;

import dev.starling.node.data.Dataset;

/** The first {@code n} samples of a dataset (for quicker evaluation on large test sets). */
final class SubsetDataset implements Dataset {
  private final Dataset base;
  private final int n;

  SubsetDataset(Dataset base, int n) {
    this.base = base;
    this.n = n;
  }

  @Override
  public String name() {
    return base.name() + "[:" + n + "]";
  }

  @Override
  public int size() {
    return n;
  }

  @Override
  public int numClasses() {
    return base.numClasses();
  }

  @Override
  public int[] featureShape() {
    return base.featureShape();
  }

  @Override
  public int label(int i) {
    return base.label(i);
  }

  @Override
  public void features(int i, float[] dst, int offset) {
    base.features(i, dst, offset);
  }
}
