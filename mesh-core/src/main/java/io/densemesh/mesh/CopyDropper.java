package io.densemesh.mesh;

import io.densemesh.api.peer.DropCopyRequest;
import io.densemesh.api.peer.PeerControlGrpc;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.serving.ModelRepository;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drops every copy of a model in the mesh (the repository extension's unload): this node's own
 * copy through its cache, each live peer's through {@code PeerControl/dropCopy} on its internal
 * port. Holders come from the registry view, LOADING copies included (they unload when their
 * load ends); a copy leaves once its in-flight requests finish. A node that is gone needs no
 * call: its copies vanish with its lease.
 */
public final class CopyDropper implements ModelRepository.CopyRemoval {

  private final String self;
  private final ModelCache cache;
  private final Registry registry;
  private final Peers peers;
  private final Duration callTimeout;

  public CopyDropper(String self, ModelCache cache, Registry registry, Peers peers,
      Duration callTimeout) {
    this.self = self;
    this.cache = cache;
    this.registry = registry;
    this.peers = peers;
    this.callTimeout = callTimeout;
  }

  @Override
  public void dropAll(String modelId) {
    cache.unload(modelId); // also forgets a failed load here, so the next request retries it
    MeshView view = registry.view();
    List<String> unreached = new ArrayList<>();
    for (CopyRecord copy : view.copiesOf(modelId).values()) {
      InstanceRecord holder = view.instances().get(copy.getInstanceId());
      if (copy.getInstanceId().equals(self) || holder == null) {
        continue;
      }
      try {
        PeerControlGrpc.newBlockingStub(peers.peer(holder.getAddress()).channel())
            .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .dropCopy(DropCopyRequest.newBuilder().setModelId(modelId).build());
      } catch (StatusRuntimeException e) {
        unreached.add(copy.getInstanceId() + " (" + e.getStatus().getCode() + ")");
      }
    }
    if (!unreached.isEmpty()) {
      throw new UnavailableException("could not ask " + String.join(", ", unreached)
          + " to drop its copy of model '" + modelId + "'; the other copies were dropped,"
          + " try again");
    }
  }
}
