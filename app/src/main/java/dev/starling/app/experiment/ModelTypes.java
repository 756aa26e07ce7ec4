package dev.starling.app.experiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The model types a config may name: the built-in networks, then the {@link ModelType}s found on
 * the class path (and in {@code --plugin} jars), in class-name order so the list is the same on
 * every machine.
 */
public final class ModelTypes {

  /** The networks Starling builds itself (see {@link dev.starling.node.learning.ModelSpec}). */
  public static final List<String> BUILT_IN = List.of("logreg", "mlp", "cnn");

  private ModelTypes() {}

  /** The user model types visible to this thread's class loader, by name. */
  public static Map<String, ModelType> plugins() {
    List<ModelType> found = new ArrayList<>();
    ServiceLoader.load(ModelType.class).forEach(found::add);
    found.sort(Comparator.comparing(t -> t.getClass().getName()));
    Map<String, ModelType> byName = new LinkedHashMap<>();
    for (ModelType t : found) {
      ModelType before = byName.putIfAbsent(t.name(), t);
      if (before != null || BUILT_IN.contains(t.name())) {
        throw new IllegalStateException("model type '" + t.name() + "' of " + t.getClass().getName()
            + " is already defined" + (before == null ? " by Starling" : " by " + before.getClass().getName()));
      }
    }
    return byName;
  }

  /** Every value {@code model.type} may take. */
  public static List<String> names() {
    List<String> all = new ArrayList<>(BUILT_IN);
    all.addAll(plugins().keySet());
    return all;
  }
}
