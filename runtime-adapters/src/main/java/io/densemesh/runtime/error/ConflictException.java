package io.densemesh.runtime.error;

/** The request conflicts with what exists (an id registered with other info, an owner mismatch). */
public final class ConflictException extends MeshException {

  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
