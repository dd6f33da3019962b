package io.densemesh.runtime.error;

/**
 * The caller is known but its role does not allow the call (403 / PERMISSION_DENIED). Never used
 * for another tenant's model: that answers exactly like a missing one.
 */
public final class PermissionDeniedException extends MeshException {

  private static final long serialVersionUID = 1L;

  public PermissionDeniedException(String message) {
    super(message);
  }
}
