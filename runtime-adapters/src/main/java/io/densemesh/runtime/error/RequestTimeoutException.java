package io.densemesh.runtime.error;

/**
 * The client stopped sending its request part-way (a request body that went silent for longer than
 * the node waits): 408 on REST; DEADLINE_EXCEEDED where a gRPC status is needed.
 */
public final class RequestTimeoutException extends MeshException {

  private static final long serialVersionUID = 1L;

  public RequestTimeoutException(String message) {
    super(message);
  }
}
