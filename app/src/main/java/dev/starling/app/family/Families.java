package dev.starling.app.family;

import com.typesafe.config.Config;
import dev.starling.app.config.AlgorithmCatalog;
import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The registry of algorithm families: the built-in ones, then any found on the class path through
 * {@link ServiceLoader} ({@code META-INF/services/dev.starling.app.family.AlgorithmFamily}), in
 * class-name order so that the registry is the same on every machine. An algorithm name belongs
 * to exactly one family.
 */
public final class Families implements AlgorithmCatalog {

  private final List<AlgorithmFamily> families;
  private final Map<String, AlgorithmFamily> byAlgorithm = new LinkedHashMap<>();

  /** The built-in families plus the plugins on the class path. */
  public static Families standard() {
    List<AlgorithmFamily> all = new ArrayList<>(List.of(new FlFamily(), new FedBuffFamily(), new ModestFamily(), new DlFamily(),
        new DilocoFamily()));
    List<AlgorithmFamily> plugins = new ArrayList<>();
    ServiceLoader.load(AlgorithmFamily.class).forEach(plugins::add);
    plugins.sort(Comparator.comparing(f -> f.getClass().getName()));
    all.addAll(plugins);
    return new Families(all);
  }

  public Families(List<AlgorithmFamily> families) {
    this.families = List.copyOf(families);
    for (AlgorithmFamily f : this.families) {
      for (String a : f.algorithms()) {
        AlgorithmFamily before = byAlgorithm.putIfAbsent(a, f);
        if (before != null) {
          throw new IllegalStateException("algorithm '" + a + "' is registered by both " + before.name() + " ("
              + before.getClass().getName() + ") and " + f.name() + " (" + f.getClass().getName() + ")");
        }
      }
    }
  }

  public List<AlgorithmFamily> all() {
    return families;
  }

  /** The family running {@code algorithm} (a name the config reader has already checked). */
  public AlgorithmFamily of(String algorithm) {
    AlgorithmFamily f = byAlgorithm.get(algorithm);
    if (f == null) {
      throw new ConfigError("config key 'algorithm': '" + algorithm + "' is not registered (allowed: "
          + String.join(", ", algorithms()) + ")");
    }
    return f;
  }

  @Override
  public List<String> algorithms() {
    return List.copyOf(byAlgorithm.keySet());
  }

  @Override
  public List<String> modelTypes() {
    return dev.starling.app.experiment.ModelTypes.names();
  }

  @Override
  public Config defaults(String algorithm) {
    return of(algorithm).defaults(algorithm);
  }

  /** The family's own checks, and churn only where the family has no server. */
  @Override
  public void validate(SimConfig cfg) {
    AlgorithmFamily f = of(cfg.algorithm());
    if (!f.serverless()) {
      List<String> allowed = new ArrayList<>();
      for (AlgorithmFamily g : families) {
        if (g.serverless()) {
          allowed.addAll(g.algorithms());
        }
      }
      boolean clientCrashes = f.algorithms().contains("fedavg") && cfg.failures().stream()
          .allMatch(x -> "crash".equals(x.kind()) && x.atSeconds() >= 0);
      if (!cfg.failures().isEmpty() && !clientCrashes) {
        throw new ConfigError("config key 'failures' is set but algorithm = " + cfg.algorithm()
            + " does not inject these failures (FL: only kind = crash at-s = T, of clients; all kinds with "
            + String.join(", ", allowed) + ")");
      }
      if (cfg.availability().trace() != null || !"none".equals(cfg.availability().generator())) {
        throw new ConfigError("config key 'availability' is set but algorithm = " + cfg.algorithm()
            + " does not model availability (allowed with " + String.join(", ", allowed) + ")");
      }
    }
    f.validate(cfg);
  }
}
