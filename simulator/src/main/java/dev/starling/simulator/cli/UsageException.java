package dev.starling.simulator.cli;

/** A command-line problem reported as one line with exit code 2. */
public class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
