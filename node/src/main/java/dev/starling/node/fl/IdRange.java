package dev.starling.node.fl;

import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * The node ids {@code first..first+size-1} as an immutable list: a million clients' ids cost two
 * ints instead of a million boxed integers (copying them per run was 200 MB at ten million).
 */
public final class IdRange extends AbstractList<Integer> implements RandomAccess {
  private final int first;
  private final int size;

  public IdRange(int first, int size) {
    if (size < 0 || (long) first + size - 1 > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("id range " + first + " + " + size);
    }
    this.first = first;
    this.size = size;
  }

  @Override
  public Integer get(int i) {
    Objects.checkIndex(i, size);
    return first + i;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean contains(Object o) {
    return o instanceof Integer v && v >= first && v - first < size;
  }

  @Override
  public int indexOf(Object o) {
    return contains(o) ? (Integer) o - first : -1;
  }
}
