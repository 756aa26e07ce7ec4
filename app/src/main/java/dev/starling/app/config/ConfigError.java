package dev.starling.app.config;

/** A one-line, user-facing problem with a config file or override; the CLI exits 2 on it. */
public class ConfigError extends dev.starling.node.UserError {
  public ConfigError(String message) {
    super(message);
  }
}
