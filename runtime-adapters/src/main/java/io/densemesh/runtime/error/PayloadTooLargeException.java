package io.densemesh.runtime.error;

/**
 * A request body or message is larger than the node accepts; refused before it is read whole:
 * RESOURCE_EXHAUSTED on gRPC (as grpc-java answers an oversized message), 413 on REST.
 */
public final class PayloadTooLargeException extends MeshException {

  private static final long serialVersionUID = 1L;

  public PayloadTooLargeException(String message) {
    super(message);
  }
}
