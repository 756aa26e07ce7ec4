package dev.starling.node.learning;

/**
 * Builds a model instance for a spec: what a {@link ModelPool} makes one of per compute thread.
 * The built-in ones are Starling's own engine ({@code EngineModel::new}, the same bits on every
 * machine) and {@link Dl4jModel} (the same network in DL4J, whose results depend on the CPU's
 * BLAS kernels).
 */
@FunctionalInterface
public interface ModelFactory {

  Model create(ModelSpec spec, TrainingConfig training, long seed);
}
