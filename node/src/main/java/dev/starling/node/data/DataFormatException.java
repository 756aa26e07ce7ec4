package dev.starling.node.data;

/** A data file is missing, truncated, or not in the format it claims; the message names it. */
public class DataFormatException extends dev.starling.node.UserError {
  public DataFormatException(String message) {
    super(message);
  }

  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
