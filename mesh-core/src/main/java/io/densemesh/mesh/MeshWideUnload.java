package io.densemesh.mesh;

import io.densemesh.api.peer.DropCopyRequest;
import io.densemesh.api.peer.PeerControlGrpc;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Drops every copy of a model in the mesh: this node's own through its cache, each live holder's
 * through {@code PeerControl/dropCopy} on its internal port (the same call the mesh already
 * serves). Holders come from this node's registry view, LOADING copies included (they unload when
 * their load ends); a copy leaves once its in-flight requests finish. A holder that is no longer
 * in the view needs no call: its copies vanish with its lease. A model whose minimum copies are
 * above zero is loaded again by the leader, as after any other loss of copies.
 */
public final class MeshWideUnload {

  private final String self;
  private final ModelCache cache;
  private final Registry registry;
  private final Peers peers;
  private final Duration callTimeout;

  public MeshWideUnload(String self, ModelCache cache, Registry registry, Peers peers,
      Duration callTimeout) {
    this.self = self;
    this.cache = cache;
    this.registry = registry;
    this.peers = peers;
    this.callTimeout = callTimeout;
  }

  /**
   * Drops the model's copies on every node that holds one.
   *
   * @return the nodes asked to drop a copy, in id order (this node included when it held one)
   * @throws UnavailableException when a holder could not be reached (the others were asked)
   */
  public List<String> dropAll(String modelId) {
    MeshView view = registry.view();
    TreeSet<String> asked = new TreeSet<>();
    if (cache.copyState(modelId).isPresent() || view.copiesOf(modelId).containsKey(self)) {
      asked.add(self);
    }
    cache.unload(modelId); // also forgets a failed load here, so the next request retries it
    List<String> unreached = new ArrayList<>();
    for (String holder : new TreeSet<>(view.copiesOf(modelId).keySet())) {
      InstanceRecord instance = view.instances().get(holder);
      if (holder.equals(self) || instance == null) {
        continue;
      }
      asked.add(holder);
      try {
        PeerControlGrpc.newBlockingStub(peers.peer(instance.getAddress()).channel())
            .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .dropCopy(DropCopyRequest.newBuilder().setModelId(modelId).build());
      } catch (StatusRuntimeException e) {
        unreached.add(holder + " (" + e.getStatus().getCode() + ")");
      }
    }
    if (!unreached.isEmpty()) {
      throw new UnavailableException("could not ask " + String.join(", ", unreached)
          + " to drop its copy of model '" + modelId + "'; the other copies were dropped,"
          + " try again");
    }
    return List.copyOf(asked);
  }
}
