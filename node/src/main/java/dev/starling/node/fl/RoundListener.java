package dev.starling.node.fl;

/** Where the FL server reports progress: the simulator's metrics writer or a cluster node's log. */
public interface RoundListener {

  void roundCompleted(RoundRecord record, float[] globalParams);

  /** Training ended normally after the last round. */
  void finished(float[] finalParams);

  /** Training ended before the configured rounds for a reason that is not a failure (a budget). */
  default void stoppedEarly(float[] finalParams, String reason) {
    finished(finalParams);
  }

  /** The server resumed from a checkpoint holding these completed rounds (before any new one). */
  default void resumed(java.util.List<dev.starling.node.wire.proto.RoundSummary> completed) {}

  /** Training cannot go on (for example a round never got enough updates). */
  void failed(String reason);
}
