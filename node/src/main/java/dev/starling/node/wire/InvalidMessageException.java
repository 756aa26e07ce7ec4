package dev.starling.node.wire;

/** A message from the network failed validation; it is logged and dropped, never applied. */
public class InvalidMessageException extends RuntimeException {
  public InvalidMessageException(String message) {
    super(message);
  }
}
