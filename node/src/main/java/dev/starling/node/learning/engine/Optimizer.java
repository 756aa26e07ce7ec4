package dev.starling.node.learning.engine;

import dev.starling.node.learning.TrainingConfig;
import java.util.List;

/**
 * A local optimizer over a network's parameters: one {@link #step} per minibatch from the
 * gradients the backward pass left in each {@link Param}. Element-wise float32 arithmetic only, so
 * every parameter's update is the same on every machine whatever the layout.
 */
interface Optimizer {

  void step(List<Param> params);

  /** Forgets momentum, moments and the step count. */
  void reset();

  static Optimizer of(TrainingConfig tc) {
    return switch (tc.optimizer()) {
      case SGD -> new Sgd((float) tc.learningRate(), (float) tc.momentum(), (float) tc.weightDecay());
      case ADAMW -> new AdamW((float) tc.learningRate(), 0.9f, 0.999f, 1e-8f, (float) tc.weightDecay());
    };
  }
}
