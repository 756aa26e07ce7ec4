package dev.starling.node.data;

import java.util.function.Supplier;

/**
 * A dataset whose size, classes and shape are known now and whose samples are built on first
 * use, by whichever thread needs them first: a client started on demand then generates its data
 * inside its first training job, on a compute worker, instead of on the simulation's driver
 * thread (where generating 100 LEAF Synthetic devices a round was half of a 1,000-client round).
 */
public final class DeferredDataset implements Dataset {
  private final String name;
  private final int size;
  private final int numClasses;
  private final int[] shape;
  private final Supplier<? extends Dataset> build;
  private volatile Dataset built;

  /** @param build makes the samples; it must give exactly {@code size} of them, with these classes and shape */
  public DeferredDataset(String name, int size, int numClasses, int[] shape, Supplier<? extends Dataset> build) {
    this.name = name;
    this.size = size;
    this.numClasses = numClasses;
    this.shape = shape.clone();
    this.build = build;
  }

  private Dataset data() {
    Dataset d = built;
    if (d == null) {
      synchronized (this) {
        d = built;
        if (d == null) {
          d = build.get();
          if (d.size() != size || d.numClasses() != numClasses || !java.util.Arrays.equals(d.featureShape(), shape)) {
            throw new IllegalStateException(name + ": built " + d.size() + " samples of " + d.numClasses()
                + " classes, expected " + size + " of " + numClasses);
          }
          built = d;
        }
      }
    }
    return d;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return size;
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
  public int label(int i) {
    return data().label(i);
  }

  @Override
  public void features(int i, float[] dst, int offset) {
    data().features(i, dst, offset);
  }

  @Override
  public int[] labels() {
    return data().labels();
  }

  @Override
  public int[] groups() {
    return data().groups();
  }
}
