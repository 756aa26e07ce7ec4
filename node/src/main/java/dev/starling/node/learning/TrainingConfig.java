package dev.starling.node.learning;

/**
 * How a node trains locally.
 *
 * @param epochs passes over the local data per round
 * @param batchSize minibatch size
 * @param optimizer SGD (Nesterov momentum when momentum > 0) or AdamW
 * @param learningRate step size
 * @param momentum SGD momentum, ignored by AdamW
 * @param weightDecay decoupled weight decay ({@code w -= lr * wd * w} after each step)
 * @param proxMu FedProx proximal coefficient; 0 disables it
 * @param maxSteps upper bound on minibatch steps per round (0 = no bound), for clients with a lot
 *     of data
 */
public record TrainingConfig(
    int epochs, int batchSize, Optimizer optimizer, double learningRate, double momentum,
    double weightDecay, double proxMu, int maxSteps) {

  /** Local optimizers. */
  public enum Optimizer {
    SGD,
    ADAMW
  }

  public TrainingConfig {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
    if (!(proxMu >= 0)) {
      throw new IllegalArgumentException("prox mu must be >= 0, got " + proxMu);
    }
    if (maxSteps < 0) {
      throw new IllegalArgumentException("max steps must be >= 0, got " + maxSteps);
    }
  }

  public static TrainingConfig sgd(int epochs, int batchSize, double lr) {
    return new TrainingConfig(epochs, batchSize, Optimizer.SGD, lr, 0, 0, 0, 0);
  }
}
