package io.densemesh.runtime.error;

/** No room or no slot to do the work now (capacity, loading slots, queue). */
public final class CapacityExhaustedException extends MeshException {

  private static final long serialVersionUID = 1L;

  public CapacityExhaustedException(String message) {
    super(message);
  }

  public CapacityExhaustedException(String message, Throwable cause) {
    super(message, cause);
  }
}
