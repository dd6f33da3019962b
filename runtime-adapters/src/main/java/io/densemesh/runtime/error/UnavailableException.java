package io.densemesh.runtime.error;

/** The node or its registry cannot serve right now (shutting down, registry unreachable). */
public final class UnavailableException extends MeshException {

  private static final long serialVersionUID = 1L;

  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
