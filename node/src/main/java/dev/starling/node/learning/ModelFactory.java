package dev.starling.node.learning;

import dev.starling.node.learning.engine.EngineModel;

/**
 * Builds a model instance for a spec: what a {@link ModelPool} makes one of per compute thread.
 * {@link #ENGINE} (the default) is Starling's own engine, the same bits on every machine;
 * {@link #DL4J} builds the same network in DL4J, whose results depend on the CPU's BLAS kernels.
 */
@FunctionalInterface
public interface ModelFactory {

  Model create(ModelSpec spec, TrainingConfig training, long seed);

  ModelFactory ENGINE = EngineModel::new;

  ModelFactory DL4J = Dl4jModel::new;
}
