package dev.starling.node.diloco;

/** Where DiLoCo reports progress: the simulator's metrics, or a cluster member's log. */
public interface DilocoListener {

  /**
   * A full outer round finished (every fragment synced {@code round} times); {@code global} is the
   * reducer's copy of the outer parameters.
   */
  void roundCompleted(int round, Double accuracy, Double loss, float[] global, double trainLoss, long roundBytes);

  /** A replica applied the average of {@code fragment}'s sync {@code sync}; {@code globalSha} hashes its G. */
  default void replicaApplied(int replica, int fragment, long sync, String globalSha) {}

  /** Bytes that crossed the network for one fragment sync (gradients in, average out). */
  default void syncBytes(int fragment, long sync, long bytes) {}

  void finished(float[] global);

  /** A restarted replica took the reducer's outer state and goes on from inner step {@code step}. */
  default void replicaRejoined(int replica, long step, long[] syncs) {}

  /** A replica has applied its last sync and stopped. */
  default void replicaFinished(int replica) {}
}
