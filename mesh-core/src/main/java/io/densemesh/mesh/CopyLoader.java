package io.densemesh.mesh;

import io.densemesh.api.peer.LoadCopyRequest;
import io.densemesh.api.peer.LoadCopyResponse;
import io.densemesh.api.peer.PeerControlGrpc;
import io.densemesh.api.registry.CopyRecord;
import io.densemesh.cache.CopyState;
import io.densemesh.cache.ModelCache;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes copies exist: the model's first copy wherever the router sends it (management
 * {@code ensureLoaded}/{@code loadNow}, vmodel targets), extra copies on a node placement
 * chooses (copy scaling, min copies, drain), and loads a peer asked this node for.
 */
public final class CopyLoader {

  private static final Logger log = LoggerFactory.getLogger(CopyLoader.class);

  private final String self;
  private final ModelCache cache;
  private final Registry registry;
  private final MeshRouter router;
  private final Peers peers;
  private final MeshEvents events;
  private final Duration loadTimeout;

  public CopyLoader(String self, ModelCache cache, Registry registry, MeshRouter router,
      Peers peers, MeshEvents events, Duration loadTimeout) {
    this.self = self;
    this.cache = cache;
    this.registry = registry;
    this.router = router;
    this.peers = peers;
    this.events = events;
    this.loadTimeout = loadTimeout;
  }

  /**
   * Makes sure a copy of the model is loaded or loading somewhere in the mesh; with
   * {@code sync}, waits (bounded by the load timeout) until one is LOADED.
   */
  public void ensureCopy(ModelSpec spec, boolean sync) {
    String id = spec.modelId();
    Optional<CopyState> local = cache.copyState(id);
    if (local.isPresent() && local.get().phase() != CopyState.Phase.FAILED) {
      loadHere(spec, sync);
      return;
    }
    if (!registry.view().loadedOn(id).isEmpty()) {
      return;
    }
    Route route = router.route(spec, RouteHints.NONE);
    if (route instanceof Route.Remote remote) {
      if (remote.loadHere()) {
        askPeer(remote.address(), id, true, sync);
      }
      if (sync) {
        awaitLoadedSomewhere(id);
      }
    } else {
      loadHere(spec, sync);
    }
  }

  /**
   * {@link #ensureCopy} without a thread: the returned future completes when a copy is LOADED
   * (with {@code sync}; at once otherwise), or fails as {@link #ensureCopy} would throw. Nothing
   * blocks meanwhile: a local load is awaited on its own future, a peer is asked with an
   * asynchronous call, a copy elsewhere is awaited on the registry's events.
   */
  public CompletableFuture<Void> ensureCopyAsync(ModelSpec spec, boolean sync) {
    try {
      String id = spec.modelId();
      Optional<CopyState> local = cache.copyState(id);
      if (local.isPresent() && local.get().phase() != CopyState.Phase.FAILED) {
        return loadHereAsync(spec, sync);
      }
      if (!registry.view().loadedOn(id).isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      Route route = router.route(spec, RouteHints.NONE);
      if (route instanceof Route.Remote remote) {
        CompletableFuture<Void> asked = remote.loadHere()
            ? askPeerAsync(remote.address(), id, true, sync)
            : CompletableFuture.completedFuture(null);
        return sync ? asked.thenCompose(done -> loadedSomewhere(id)) : asked;
      }
      return loadHereAsync(spec, sync);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@link #loadHere} without a thread: starts the load (kept: it is not dropped when callers
   * leave) and, with {@code sync}, completes when it finished (failed as the load failed).
   */
  public CompletableFuture<Void> loadHereAsync(ModelSpec spec, boolean sync) {
    try {
      cache.ensureLoading(spec);
      // As one of the model's (bounded) waiters: failures come as the cache maps them.
      return sync ? cache.whenLoaded(spec) : CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@link #claimAndLoad} without a thread: completes with the node that loads the copy. */
  public CompletableFuture<String> claimAndLoadAsync(ModelSpec spec, boolean sync) {
    String holder;
    try {
      holder = registry.claimLoad(spec.modelId(), self);
    } catch (UnavailableException e) {
      holder = self;
    }
    String on = holder;
    if (!holder.equals(self) && registry.view().instances().containsKey(holder)) {
      return sync ? loadedSomewhere(spec.modelId()).thenApply(done -> on)
          : CompletableFuture.completedFuture(on);
    }
    return loadHereAsync(spec, sync).thenApply(done -> self);
  }

  private CompletableFuture<Void> askPeerAsync(String address, String modelId, boolean first,
      boolean sync) {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    LoadCopyRequest request = LoadCopyRequest.newBuilder().setModelId(modelId).setFirst(first)
        .setSync(sync).build();
    PeerControlGrpc.newStub(peers.peer(address).channel())
        .withDeadlineAfter(sync ? loadTimeout.toMillis() : 10_000, TimeUnit.MILLISECONDS)
        .loadCopy(request, new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(LoadCopyResponse value) {}

          @Override
          public void onError(Throwable t) {
            answered.completeExceptionally(t instanceof StatusRuntimeException e
                ? peerFailure(address, modelId, e) : t);
          }

          @Override
          public void onCompleted() {
            answered.complete(null);
          }
        });
    return answered;
  }

  private static RuntimeException peerFailure(String address, String modelId,
      StatusRuntimeException e) {
    String why = e.getStatus().getDescription();
    if (e.getStatus().getCode() == io.grpc.Status.Code.FAILED_PRECONDITION) {
      return new io.densemesh.runtime.error.ModelLoadException(why == null ? "load failed" : why);
    }
    return new UnavailableException("asking " + address + " to load '" + modelId + "' failed: "
        + e.getStatus(), e);
  }

  /** Completes when a live node holds a LOADED copy (fails after the load timeout). */
  private CompletableFuture<Void> loadedSomewhere(String modelId) {
    return events.when(v -> v.copiesOf(modelId).values().stream()
        .anyMatch(c -> c.getState() == CopyRecord.State.LOADED
            && v.instances().containsKey(c.getInstanceId())), loadTimeout)
        .handle((view, failure) -> {
          if (failure == null) {
            return null;
          }
          Throwable cause = failure instanceof java.util.concurrent.CompletionException
              && failure.getCause() != null ? failure.getCause() : failure;
          if (cause instanceof TimeoutException) {
            throw new DeadlineExceededException(
                "model '" + modelId + "' did not finish loading within " + loadTimeout);
          }
          throw new UnavailableException("waiting for " + modelId + " failed: " + cause, cause);
        });
  }

  /**
   * Adds a copy on a node that holds none (not in {@code excluded}); false when no node can
   * take it.
   */
  public boolean addCopy(ModelSpec spec, Set<String> excluded) {
    MeshView view = registry.view();
    Set<String> holders = new HashSet<>(view.copiesOf(spec.modelId()).keySet());
    Optional<String> target = router.place(spec, view, excluded, holders);
    if (target.isEmpty()) {
      return false;
    }
    if (target.get().equals(self)) {
      loadHere(spec, false);
    } else {
      askPeer(view.instances().get(target.get()).getAddress(), spec.modelId(), false, false);
    }
    log.debug("adding a copy of {} on {}", spec.modelId(), target.get());
    return true;
  }

  /** Loads on this node (a peer or the management API asked); sync waits for LOADED. */
  public void loadHere(ModelSpec spec, boolean sync) {
    if (sync) {
      cache.awaitLoaded(spec, loadTimeout);
    } else {
      cache.ensureLoading(spec);
    }
  }

  /**
   * A peer asks this node to load the model's first copy: claim it, unless another node holds
   * the claim (then that node's id is returned and nothing loads here).
   */
  public String claimAndLoad(ModelSpec spec, boolean sync) {
    String holder;
    try {
      holder = registry.claimLoad(spec.modelId(), self);
    } catch (UnavailableException e) {
      holder = self;
    }
    if (!holder.equals(self) && registry.view().instances().containsKey(holder)) {
      if (sync) {
        awaitLoadedSomewhere(spec.modelId());
      }
      return holder;
    }
    loadHere(spec, sync);
    return self;
  }

  private void askPeer(String address, String modelId, boolean first, boolean sync) {
    try {
      LoadCopyResponse ignored = PeerControlGrpc.newBlockingStub(peers.peer(address).channel())
          .withDeadlineAfter(sync ? loadTimeout.toMillis() : 10_000, TimeUnit.MILLISECONDS)
          .loadCopy(LoadCopyRequest.newBuilder().setModelId(modelId).setFirst(first)
              .setSync(sync).build());
    } catch (StatusRuntimeException e) {
      String why = e.getStatus().getDescription();
      if (e.getStatus().getCode() == io.grpc.Status.Code.FAILED_PRECONDITION) {
        throw new io.densemesh.runtime.error.ModelLoadException(why == null ? "load failed" : why);
      }
      throw new UnavailableException("asking " + address + " to load '" + modelId + "' failed: "
          + e.getStatus(), e);
    }
  }

  private void awaitLoadedSomewhere(String modelId) {
    CompletableFuture<MeshView> loaded = events.when(v -> v.copiesOf(modelId).values().stream()
        .anyMatch(c -> c.getState() == CopyRecord.State.LOADED
            && v.instances().containsKey(c.getInstanceId())), loadTimeout);
    try {
      loaded.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        throw new DeadlineExceededException(
            "model '" + modelId + "' did not finish loading within " + loadTimeout);
      }
      throw new UnavailableException("waiting for " + modelId + " failed: " + e.getCause(), e);
    } catch (InterruptedException e) {
      loaded.cancel(false); // ends the wait now rather than at its deadline
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for " + modelId);
    }
  }
}
