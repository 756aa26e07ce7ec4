package dev.starling.node.fl;

import dev.starling.node.data.Dataset;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.Model;
import dev.starling.node.learning.TrainingConfig;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The client side of an FL algorithm: one round's local training from the global model, given the
 * strategy's round config and the client's own state from earlier rounds (SCAFFOLD's control
 * variate). Runs on a compute thread, so it reads its inputs and returns what changed; the client
 * keeps the new state only if the round's update is sent (a superseded round leaves no trace).
 *
 * <p>Client state is volatile, like everything a node holds in memory: it is lost when the node
 * crashes, and a restarted client begins from an empty state.
 */
@FunctionalInterface
public interface ClientTraining {

  /** What one round of local training starts from; {@code global} and {@code state} are read-only. */
  record FitTask(Model model, float[] global, Dataset data, int[] indices, TrainingConfig training, long seed,
      RoundConfig config, SortedMap<String, float[]> state) {}

  /**
   * What it produced: the trained parameters and counts, the extra tensors for the server (by
   * name, as its strategy's {@link FlStrategy#clientTensors()} lists), and the client's new state.
   */
  record ClientFit(LocalTrainer.Result result, SortedMap<String, float[]> tensors, SortedMap<String, float[]> state) {
    public ClientFit {
      tensors = Collections.unmodifiableSortedMap(new TreeMap<>(tensors));
      state = Collections.unmodifiableSortedMap(new TreeMap<>(state));
    }

    public ClientFit(LocalTrainer.Result result, Map<String, float[]> tensors, Map<String, float[]> state) {
      this(result, new TreeMap<>(tensors), new TreeMap<>(state));
    }
  }

  ClientFit fit(FitTask task);

  /** Plain local training (FedAvg and the FedOpt family; FedProx's term comes from the training config). */
  ClientTraining LOCAL = t -> new ClientFit(
      LocalTrainer.train(t.model(), t.global(), t.data(), t.indices(), t.training(), t.seed()), Map.of(), t.state());
}
