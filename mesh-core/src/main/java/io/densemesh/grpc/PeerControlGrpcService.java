package io.densemesh.grpc;

import io.densemesh.api.peer.ActivityEvent;
import io.densemesh.api.peer.DropCopyRequest;
import io.densemesh.api.peer.DropCopyResponse;
import io.densemesh.api.peer.LoadCopyRequest;
import io.densemesh.api.peer.LoadCopyResponse;
import io.densemesh.api.peer.PeerControlGrpc;
import io.densemesh.api.peer.RecentActivityRequest;
import io.densemesh.api.peer.RecentActivityResponse;
import io.densemesh.cache.ModelCache;
import io.densemesh.mesh.CopyLoader;
import io.densemesh.node.NodeState;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.serving.ModelResolver;
import com.google.common.util.concurrent.MoreExecutors;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.List;

/** Node-to-node copy control: a peer chose this node to load (or drop) a copy. */
public final class PeerControlGrpcService extends PeerControlGrpc.PeerControlImplBase {

  private final ModelResolver resolver;
  private final CopyLoader loader;
  private final ModelCache cache;
  private final NodeState state;
  private final ActivitySource activity;

  /** This node's recent activity, oldest first, for {@code recentActivity}. */
  @FunctionalInterface
  public interface ActivitySource {
    List<ActivityEvent> since(long sinceMillis, int limit);
  }

  public PeerControlGrpcService(ModelResolver resolver, CopyLoader loader, ModelCache cache,
      NodeState state) {
    this(resolver, loader, cache, state, (since, limit) -> List.of());
  }

  public PeerControlGrpcService(ModelResolver resolver, CopyLoader loader, ModelCache cache,
      NodeState state, ActivitySource activity) {
    this.resolver = resolver;
    this.loader = loader;
    this.cache = cache;
    this.state = state;
    this.activity = activity;
  }

  @Override
  public void recentActivity(RecentActivityRequest request,
      StreamObserver<RecentActivityResponse> observer) {
    Unary.run(observer, () -> RecentActivityResponse.newBuilder()
        .addAllEvents(activity.since(request.getSince(), request.getLimit())).build());
  }

  @Override
  public void loadCopy(LoadCopyRequest request, StreamObserver<LoadCopyResponse> observer) {
    if (request.getSync()) {
      loadCopyAsync(request, observer);
      return;
    }
    Unary.run(observer, () -> {
      state.requireServing();
      ModelSpec spec = resolver.resolve("", null, request.getModelId(), "");
      String on = request.getFirst()
          ? loader.claimAndLoad(spec, request.getSync())
          : load(spec, request.getSync());
      boolean loaded = cache.isLoaded(spec.modelId());
      return LoadCopyResponse.newBuilder().setState(loaded ? "LOADED" : "LOADING")
          .setLoadingOn(on).build();
    });
  }

  /**
   * A sync load a peer asked for (its management call waits with {@code sync}): the answer is
   * sent when the load finished, without holding a thread meanwhile; the peer's deadline bounds
   * it, and a peer that gives up stops the wait.
   */
  private void loadCopyAsync(LoadCopyRequest request, StreamObserver<LoadCopyResponse> observer) {
    CompletableFuture<String> on;
    ModelSpec spec;
    try {
      state.requireServing();
      spec = resolver.resolve("", null, request.getModelId(), "");
      on = request.getFirst() ? loader.claimAndLoadAsync(spec, true)
          : loader.loadHereAsync(spec, true).thenApply(done -> "");
    } catch (RuntimeException e) {
      Unary.run(observer, () -> {
        throw e;
      });
      return;
    }
    Context context = Context.current();
    Context.CancellationListener gaveUp = c -> on.cancel(false);
    context.addListener(gaveUp, MoreExecutors.directExecutor());
    on.whenComplete((holder, failure) -> {
      context.removeListener(gaveUp);
      if (context.isCancelled()) {
        return;
      }
      Unary.run(observer, () -> {
        if (failure != null) {
          throw failure instanceof CompletionException && failure.getCause()
              instanceof RuntimeException cause ? cause
              : failure instanceof RuntimeException runtime ? runtime
              : new UnavailableException("loading failed: " + failure, failure);
        }
        boolean loaded = cache.isLoaded(spec.modelId());
        return LoadCopyResponse.newBuilder().setState(loaded ? "LOADED" : "LOADING")
            .setLoadingOn(holder).build();
      });
    });
  }

  private String load(ModelSpec spec, boolean sync) {
    loader.loadHere(spec, sync);
    return "";
  }

  @Override
  public void dropCopy(DropCopyRequest request, StreamObserver<DropCopyResponse> observer) {
    Unary.run(observer, () -> {
      if (request.getModelId().isEmpty()) {
        throw new ModelNotFoundException("model_id is empty");
      }
      cache.unload(request.getModelId());
      return DropCopyResponse.getDefaultInstance();
    });
  }
}
