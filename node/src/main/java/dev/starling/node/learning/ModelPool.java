package dev.starling.node.learning;

/**
 * One model instance per compute thread, so that many nodes can train concurrently without
 * allocating a network per node: a node's state is its parameter vector, not a network.
 */
public final class ModelPool {

  private final ModelSpec spec;
  private final TrainingConfig training;
  private final ModelFactory factory;
  private final ThreadLocal<Model> local;

  public ModelPool(ModelSpec spec, TrainingConfig training, ModelFactory factory) {
    this.spec = spec;
    this.training = training;
    this.factory = factory;
    this.local = ThreadLocal.withInitial(() -> factory.create(spec, training, 0));
  }

  public ModelSpec spec() {
    return spec;
  }

  public TrainingConfig training() {
    return training;
  }

  /** This thread's model instance; its parameters are whatever the last user left. */
  public Model get() {
    return local.get();
  }

  /** A model of its own (for a node whose optimizer state persists, as a DiLoCo replica's). */
  public Model newModel(long seed) {
    return factory.create(spec, training, seed);
  }

  /** The initial global parameters for {@code seed}, identical on every machine. */
  public float[] initialParams(long seed) {
    return factory.create(spec, training, seed).params();
  }
}
