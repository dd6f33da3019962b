package io.densemesh.runtime.error;

/** The work did not finish within the caller's deadline. */
public final class DeadlineExceededException extends MeshException {

  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(String message) {
    super(message);
  }

  public DeadlineExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
