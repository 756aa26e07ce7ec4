package dev.starling.node.diloco;

/**
 * The Streaming DiLoCo schedule (diloco.md section 2.6): P fragments, each synced every H inner
 * steps, fragment p first at step o_p = ((p + 1) H / P) mod H (0 meaning H), so one fragment is
 * sent every H/P steps; its averaged outer gradient is applied tau steps later. P = 1, tau = 0 is
 * plain DiLoCo.
 *
 * @param innerSteps H
 * @param fragments P (divides H)
 * @param overlap tau, 0 <= tau < H / P (at most one fragment in flight)
 * @param mix alpha, the weight of the local parameters when a late result is merged
 * @param strided fragment p holds parameters i with i mod P == p; otherwise contiguous ranges
 */
public record DilocoSchedule(int innerSteps, int fragments, int overlap, double mix, boolean strided) {

  public DilocoSchedule {
    if (innerSteps < 1) {
      throw new IllegalArgumentException("inner steps H must be >= 1, got " + innerSteps);
    }
    if (fragments < 1 || innerSteps % fragments != 0) {
      throw new IllegalArgumentException("fragments P must be >= 1 and divide H = " + innerSteps + ", got " + fragments);
    }
    if (overlap < 0 || overlap >= innerSteps / fragments) {
      throw new IllegalArgumentException("overlap tau must be in [0, H/P = " + innerSteps / fragments + "), got " + overlap);
    }
    if (!(mix >= 0 && mix <= 1)) {
      throw new IllegalArgumentException("mix alpha must be in [0, 1], got " + mix);
    }
  }

  /** Steps between two fragment syncs. */
  public int period() {
    return innerSteps / fragments;
  }

  /** The fragment sent at step t (1-based), or -1. */
  public int fragmentSentAt(long t) {
    if (t < 1 || t % period() != 0) {
      return -1;
    }
    long k = t / period(); // k-th send overall; fragment (k - 1) mod P
    return (int) ((k - 1) % fragments);
  }

  /** The parameter indices of fragment p among n parameters. */
  public int[] indices(int p, int n) {
    if (strided) {
      int count = (n - p + fragments - 1) / fragments;
      int[] idx = new int[Math.max(0, count)];
      for (int j = 0; j < idx.length; j++) {
        idx[j] = p + j * fragments;
      }
      return idx;
    }
    int from = (int) ((long) n * p / fragments);
    int to = (int) ((long) n * (p + 1) / fragments);
    int[] idx = new int[to - from];
    for (int j = 0; j < idx.length; j++) {
      idx[j] = from + j;
    }
    return idx;
  }

  static float[] gather(float[] v, int[] idx) {
    float[] out = new float[idx.length];
    for (int j = 0; j < idx.length; j++) {
      out[j] = v[idx[j]];
    }
    return out;
  }
}
