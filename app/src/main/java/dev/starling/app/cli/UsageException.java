package dev.starling.app.cli;

/** A command-line problem reported as one line with exit code 2. */
public class UsageException extends dev.starling.node.UserError {
  public UsageException(String message) {
    super(message);
  }
}
