package org.example.feddyn;

import com.typesafe.config.Config;
import dev.starling.app.experiment.ModelType;
import dev.starling.node.learning.Dl4jModel;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.TrainingConfig;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code model.type = tanh-mlp}: any DL4J network will do; this one is an MLP with tanh hidden
 * layers of the sizes in {@code model.options.hidden}, trained with plain SGD at the config's
 * learning rate. Registered through {@code META-INF/services/dev.starling.app.experiment.ModelType}.
 */
public final class TanhMlp implements ModelType {

  @Override
  public String name() {
    return "tanh-mlp";
  }

  @Override
  public Model create(int[] inputShape, int numClasses, TrainingConfig training, Config options, long seed) {
    List<Integer> hidden = options.hasPath("hidden") ? options.getIntList("hidden") : List.of(32);
    if (hidden.isEmpty() || hidden.stream().anyMatch(h -> h < 1)) {
      throw new IllegalArgumentException("model.options.hidden must list layer sizes >= 1, got " + hidden);
    }
    int in = 1;
    for (int s : inputShape) {
      in *= s;
    }
    var list = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .updater(new Sgd(training.learningRate()))
        .weightInit(WeightInit.XAVIER)
        .list();
    int prev = in;
    double macs = 0;
    for (int i = 0; i < hidden.size(); i++) {
      list.layer(i, new DenseLayer.Builder().nIn(prev).nOut(hidden.get(i)).activation(Activation.TANH).build());
      macs += (double) prev * hidden.get(i);
      prev = hidden.get(i);
    }
    list.layer(hidden.size(), new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nIn(prev).nOut(numClasses).activation(Activation.SOFTMAX).build());
    macs += (double) prev * numClasses;
    MultiLayerConfiguration conf = list.build();
    return new Dl4jModel(conf, in, numClasses, 6 * macs);
  }
}
