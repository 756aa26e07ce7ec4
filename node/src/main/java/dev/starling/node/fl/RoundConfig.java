package dev.starling.node.fl;

import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.NamedTensor;
import dev.starling.node.wire.proto.TrainRequest;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a strategy sends every invited client with the global model in one round (Flower's fit
 * config): named scalars and named model-sized tensors. Names are kept in order, so the request
 * is the same bytes on every run. FedAvg and its kin send nothing.
 */
public record RoundConfig(SortedMap<String, Double> scalars, SortedMap<String, float[]> tensors) {

  /** Nothing beyond the model. */
  public static final RoundConfig EMPTY = new RoundConfig(Map.of(), Map.of());

  public RoundConfig(Map<String, Double> scalars, Map<String, float[]> tensors) {
    this(new TreeMap<>(scalars), new TreeMap<>(tensors));
  }

  public RoundConfig {
    scalars = Collections.unmodifiableSortedMap(new TreeMap<>(scalars));
    tensors = Collections.unmodifiableSortedMap(new TreeMap<>(tensors));
    for (var e : scalars.entrySet()) {
      if (e.getKey().isEmpty() || !Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException("round config scalar '" + e.getKey() + "' = " + e.getValue());
      }
    }
  }

  /** The scalar {@code name}; a client's strategy asks only for what its server sends. */
  public double scalar(String name) {
    Double v = scalars.get(name);
    if (v == null) {
      throw new InvalidMessageException("round config has no scalar '" + name + "' (has " + scalars.keySet() + ")");
    }
    return v;
  }

  /** The tensor {@code name} (read-only by contract). */
  public float[] tensor(String name) {
    float[] v = tensors.get(name);
    if (v == null) {
      throw new InvalidMessageException("round config has no tensor '" + name + "' (has " + tensors.keySet() + ")");
    }
    return v;
  }

  /** Adds this config to a train request, in name order. */
  void writeTo(TrainRequest.Builder b) {
    b.putAllConfig(scalars);
    tensors.forEach((name, t) -> b.addConfigTensors(NamedTensor.newBuilder().setName(name).setTensor(Tensors.fp32(t))));
  }

  /**
   * The config of an untrusted request: scalars must be finite, tensor names distinct and every
   * tensor {@code numParams} long.
   */
  static RoundConfig read(TrainRequest req, int numParams) {
    if (req.getConfigCount() == 0 && req.getConfigTensorsCount() == 0) {
      return EMPTY;
    }
    TreeMap<String, Double> scalars = new TreeMap<>();
    for (var e : req.getConfigMap().entrySet()) {
      if (e.getKey().isEmpty() || !Double.isFinite(e.getValue())) {
        throw new InvalidMessageException("round config scalar '" + e.getKey() + "' = " + e.getValue()
            + " (names must be non-empty; NaN and Inf are rejected)");
      }
      scalars.put(e.getKey(), e.getValue());
    }
    return new RoundConfig(scalars, NamedTensors.read(req.getConfigTensorsList(), numParams, "round config"));
  }
}
