package dev.starling.node.fl;

import dev.starling.node.wire.InvalidMessageException;
import dev.starling.node.wire.codec.Tensors;
import dev.starling.node.wire.proto.NamedTensor;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads and writes the named model-sized tensors a strategy exchanges besides the model. */
final class NamedTensors {
  private NamedTensors() {}

  /** Decodes untrusted tensors: names non-empty and distinct, each {@code numParams} long. */
  static TreeMap<String, float[]> read(List<NamedTensor> list, int numParams, String what) {
    TreeMap<String, float[]> out = new TreeMap<>();
    for (NamedTensor t : list) {
      if (t.getName().isEmpty() || out.containsKey(t.getName())) {
        throw new InvalidMessageException(what + " tensor name '" + t.getName() + "' is empty or repeated");
      }
      out.put(t.getName(), Tensors.decode(t.getTensor(), numParams));
    }
    return out;
  }

  static void write(Map<String, float[]> tensors, java.util.function.Consumer<NamedTensor> sink) {
    new TreeMap<>(tensors).forEach((name, t) -> sink.accept(NamedTensor.newBuilder().setName(name)
        .setTensor(Tensors.fp32(t)).build()));
  }
}
