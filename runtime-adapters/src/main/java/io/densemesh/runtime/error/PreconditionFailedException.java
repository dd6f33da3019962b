package io.densemesh.runtime.error;

/** The request is valid but the state forbids it (e.g. unregistering a model a vmodel uses). */
public final class PreconditionFailedException extends MeshException {

  private static final long serialVersionUID = 1L;

  public PreconditionFailedException(String message) {
    super(message);
  }

  public PreconditionFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
