package dev.starling.simulator.config;

/** A one-line, user-facing problem with a config file or override; the CLI exits 2 on it. */
public class ConfigError extends RuntimeException {
  public ConfigError(String message) {
    super(message);
  }
}
