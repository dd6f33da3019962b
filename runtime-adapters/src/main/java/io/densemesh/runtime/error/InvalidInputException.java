package io.densemesh.runtime.error;

/** The request does not fit the model or the protocol: a bad tensor, name, shape or argument. */
public final class InvalidInputException extends MeshException {

  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
