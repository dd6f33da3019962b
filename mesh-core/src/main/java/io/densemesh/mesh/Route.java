package io.densemesh.mesh;

/** Where one request goes: this node, or a peer. */
public sealed interface Route {

  /** Serve here (loading the model here if it is not resident). */
  record Local() implements Route {}

  /**
   * Forward to a peer.
   *
   * @param instanceId the peer
   * @param address its gRPC host:port
   * @param loadHere true when this node chose the peer to load the model (dm-load-here)
   */
  record Remote(String instanceId, String address, boolean loadHere) implements Route {}

  Route LOCAL = new Local();
}
