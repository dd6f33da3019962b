package io.densemesh.node;

import io.densemesh.runtime.error.UnavailableException;

/** Whether the node takes requests: not before it started, not after it began shutting down. */
public final class NodeState {

  public static final String SERVER_NAME = "densemesh";

  private final String version;
  private volatile boolean ready;
  private volatile boolean stopping;

  public NodeState(String version) {
    this.version = version;
  }

  public String version() {
    return version;
  }

  public boolean ready() {
    return ready && !stopping;
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
