package io.densemesh.runtime.error;

/**
 * Base of every error DenseMesh reports to a client. The subtype, never the message text, decides
 * the status code a client sees.
 */
public abstract sealed class MeshException extends RuntimeException
    permits ModelNotFoundException,
        OverloadedException,
        PayloadTooLargeException,
        RequestTimeoutException,
        InvalidInputException,
        ModelLoadException,
        CapacityExhaustedException,
        ConflictException,
        PreconditionFailedException,
        UnavailableException,
        DeadlineExceededException,
        UnauthenticatedException,
        PermissionDeniedException,
        TenantLimitException {

  private static final long serialVersionUID = 1L;

  protected MeshException(String message) {
    super(message);
  }

  protected MeshException(String message, Throwable cause) {
    super(message, cause);
  }
}
