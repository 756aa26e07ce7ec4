package dev.starling.node.learning;

/**
 * One model instance per compute thread, so that many nodes can train concurrently without
 * allocating a network per node: a node's state is its parameter vector, not a network.
 */
public final class ModelPool {

  /** Makes an instance trained with {@code training} and initialised from {@code seed}. */
  @FunctionalInterface
  public interface Maker {
    Model create(TrainingConfig training, long seed);
  }

  private final String description;
  private final TrainingConfig training;
  private final Maker maker;
  private final ThreadLocal<Model> local;
  private volatile double flops = Double.NaN;

  /** A built-in network: {@code factory} builds {@code spec}. */
  public ModelPool(ModelSpec spec, TrainingConfig training, ModelFactory factory) {
    this(spec.toString(), training, (tc, seed) -> factory.create(spec, tc, seed));
    this.flops = spec.trainingFlopsPerSample();
  }

  /** Any model: {@code description} names it in reports. */
  public ModelPool(String description, TrainingConfig training, Maker maker) {
    this.description = description;
    this.training = training;
    this.maker = maker;
    this.local = ThreadLocal.withInitial(() -> maker.create(training, 0));
  }

  public String description() {
    return description;
  }

  public TrainingConfig training() {
    return training;
  }

  /** Training FLOPs per sample (what the device model charges), from the model itself. */
  public double trainingFlopsPerSample() {
    double f = flops;
    if (Double.isNaN(f)) {
      f = maker.create(training, 0).trainingFlopsPerSample();
      flops = f;
    }
    return f;
  }

  /** This thread's model instance; its parameters are whatever the last user left. */
  public Model get() {
    return local.get();
  }

  /** A model of its own (for a node whose optimizer state persists, as a DiLoCo replica's). */
  public Model newModel(long seed) {
    return maker.create(training, seed);
  }

  /** The initial global parameters for {@code seed}, identical on every machine. */
  public float[] initialParams(long seed) {
    return maker.create(training, seed).params();
  }
}
