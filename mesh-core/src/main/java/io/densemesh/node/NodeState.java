package io.densemesh.node;

import io.densemesh.runtime.error.UnavailableException;

/**
 * Whether the node takes requests: not before it started, not after it began shutting down.
 * Readiness ({@link #ready}) turns false already when the node starts draining, while it still
 * serves what reaches it, so load balancers stop sending new work first.
 */
public final class NodeState {

  public static final String SERVER_NAME = "densemesh";

  /**
   * The protocol extensions a node serves, as {@code ServerMetadata} lists them on gRPC and REST
   * (Triton's names): the binary tensor data extension (REST), the model repository and the
   * generate extension (REST).
   */
  public static final java.util.List<String> EXTENSIONS =
      java.util.List.of("binary_tensor_data", "model_repository", "generate");

  private final String version;
  private volatile boolean ready;
  private volatile boolean stopping;
  private volatile boolean draining;

  public NodeState(String version) {
    this.version = version;
  }

  public String version() {
    return version;
  }

  /** Ready for new traffic: started, not draining, not stopping (the readiness probe). */
  public boolean ready() {
    return ready && !draining && !stopping;
  }

  void markDraining() {
    draining = true;
  }

  void markReady() {
    ready = true;
  }

  void markStopping() {
    stopping = true;
  }

  /** @throws UnavailableException while the node is shutting down */
  public void requireServing() {
    if (stopping) {
      throw new UnavailableException("node is shutting down");
    }
  }
}
