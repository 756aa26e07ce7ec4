package dev.starling.app.experiment;

import com.typesafe.config.Config;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.TrainingConfig;

/**
 * A model a user brings, named by {@code model.type} and found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.starling.app.experiment.ModelType}, on the class path or in a
 * {@code --plugin} jar). Any {@link Model} will do: a DL4J network through
 * {@link dev.starling.node.learning.Dl4jModel#Dl4jModel(org.deeplearning4j.nn.conf.MultiLayerConfiguration, int, int, double)},
 * or one written by hand.
 *
 * <p>Starling makes one instance per compute thread and moves parameters between them and between
 * nodes as flat vectors, so {@link #create} must give the same parameter layout every time and
 * the same initial parameters for the same seed.
 */
public interface ModelType {

  /** The {@code model.type} value (lower case; not logreg, mlp or cnn). */
  String name();

  /**
   * A new instance for samples of {@code inputShape} (channels, height, width for images) and
   * {@code numClasses} classes, trained with {@code training}, initialised from {@code seed}.
   *
   * @param options the config's {@code model.options} section, free-form for the model's own keys
   * @throws IllegalArgumentException when the model cannot take this data or these options (the
   *     message becomes a one-line config error)
   */
  Model create(int[] inputShape, int numClasses, TrainingConfig training, Config options, long seed);
}
