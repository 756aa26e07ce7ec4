package dev.starling.app.config;

import com.typesafe.config.Config;
import java.util.List;

/**
 * What the config reader needs to know about the algorithms a config may name. The registry of
 * algorithm families answers; the reader itself names no algorithm.
 */
public interface AlgorithmCatalog {

  /** Every value the key {@code algorithm} may take. */
  List<String> algorithms();

  /** Defaults that depend on the algorithm: they sit under the user's config and over the shipped defaults. */
  Config defaults(String algorithm);

  /** Every value the key {@code model.type} may take. */
  List<String> modelTypes();

  /** Checks of the read config that depend on its algorithm; a violation is a {@link ConfigError} naming the key. */
  void validate(SimConfig cfg);
}
