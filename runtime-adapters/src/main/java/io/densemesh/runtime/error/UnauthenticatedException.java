package io.densemesh.runtime.error;

/** The caller presented no credentials, or ones that do not verify (401 / UNAUTHENTICATED). */
public final class UnauthenticatedException extends MeshException {

  private static final long serialVersionUID = 1L;

  public UnauthenticatedException(String message) {
    super(message);
  }
}
