package dev.starling.node.runtime;

import dev.starling.node.data.DenseDataset;
import dev.starling.node.learning.ModelPool;
import dev.starling.node.learning.ModelSpec;
import dev.starling.node.learning.TrainingConfig;
import dev.starling.node.learning.engine.EngineModel;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.Envelope;
import dev.starling.node.wire.proto.ModelUpdate;
import java.util.Arrays;

/** What the role tests share: a tiny real model and dataset, and messages built from them. */
public final class RoleFixtures {

  private RoleFixtures() {}

  /** Parameters of the model: logistic regression on 4 features and 2 classes. */
  public static final int PARAMS = 4 * 2 + 2;

  public static ModelPool models() {
    return new ModelPool(new ModelSpec(ModelSpec.Type.LOGREG, null, new int[] {4}, 2),
        new TrainingConfig(1, 2, TrainingConfig.Optimizer.SGD, 0.1, 0, 0, 0, 0), EngineModel::new);
  }

  /** Four one-hot samples, labels 0 1 0 1. */
  public static DenseDataset testData() {
    float[] x = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    return new DenseDataset("tiny", x, new int[] {0, 1, 0, 1}, new int[] {4}, 2, null);
  }

  public static float[] filled(float v) {
    float[] a = new float[PARAMS];
    Arrays.fill(a, v);
    return a;
  }

  /** An FL client's update of (round, attempt): every coordinate {@code value}, weighted by {@code samples}. */
  public static Envelope update(int round, int attempt, float value, long samples) {
    return Envelope.newBuilder().setModelUpdate(ModelUpdate.newBuilder().setRound(round).setAttempt(attempt)
        .setDelta(Tensors.fp32(filled(value))).setNumSamples(samples).setTrainLoss(0.5f)).build();
  }
}
