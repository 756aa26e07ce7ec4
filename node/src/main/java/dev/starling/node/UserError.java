package dev.starling.node;

/**
 * A problem with what the user gave (a config value, a flag, a file, a dataset): the CLI prints
 * its message as one line and exits with code 2. Every module's bad-input exception extends it,
 * so the CLI needs to know only this type.
 */
public class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
