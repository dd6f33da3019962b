package io.densemesh.runtime.error;

/** No model or vmodel is registered under the requested id. */
public final class ModelNotFoundException extends MeshException {

  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }

  public ModelNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
