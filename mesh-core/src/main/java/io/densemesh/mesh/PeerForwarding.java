package io.densemesh.mesh;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.densemesh.admission.RetryBackoff;
import io.densemesh.admission.RetryBudget;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.runtime.ModelSpec;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one route-forward-retry rule, for the gRPC front end ({@code InferenceRouting}) and the
 * REST one ({@link RoutedServing}) alike: route the request; when the router says "here", the
 * caller serves it; otherwise forward its V2 bytes to the chosen peer. A peer that fails with
 * UNAVAILABLE (it went away, or is shutting down) is excluded and the request routed again, at
 * most {@link #MAX_ATTEMPTS} forwards in all: inference and metadata are pure functions of the
 * request, so a retry cannot do harm. Any other answer, error or not, is final.
 *
 * <p>A retry waits a short jittered pause first ({@link RetryBackoff}) and needs the node's
 * {@link RetryBudget}: when a peer dies, every request routed to it fails at once, and retrying
 * each of them would multiply the mesh's load just when it lost capacity. With the budget spent,
 * the failure is final. A caller that gave up (cancelled, past its deadline) is never retried; the
 * forwarded call itself runs in the caller's gRPC context, so its cancellation and deadline reach
 * the peer.
 *
 * <p>Counted in {@code densemesh_forwards_total}: {@code ok} for an answer, {@code retried} for
 * a failure that was retried, {@code failed} for a final failure, and also {@code retry_denied}
 * for a final failure that was not retried because the budget was spent.
 */
public final class PeerForwarding {

  public static final int MAX_ATTEMPTS = 3;

  private final MeshRouter router;
  private final Peers peers;
  private final NodeMetrics metrics;
  private final RetryBudget budget;
  private final RetryBackoff backoff;
  private final ScheduledExecutorService timer;

  /** @param timer waits out the backoff before a retry (the retry itself runs elsewhere) */
  public PeerForwarding(MeshRouter router, Peers peers, NodeMetrics metrics, RetryBudget budget,
      RetryBackoff backoff, ScheduledExecutorService timer) {
    this.router = router;
    this.peers = peers;
    this.metrics = metrics;
    this.budget = budget;
    this.backoff = backoff;
    this.timer = timer;
  }

  /** One request to route: its model, V2 method and encoded body. */
  public record Request(ModelSpec model, MethodDescriptor<byte[], byte[]> method, byte[] body,
      CallOptions options) {}

  /**
   * Routes and forwards {@code request}.
   *
   * @param hints what the request carries about its routing already
   * @param retries where a retry runs (never on the transport thread that saw the failure)
   * @param cancelled true once the caller gave up: no further retry
   * @return completes with empty when the request is to be served on this node, with the peer's
   *     answer bytes, or exceptionally with the router's error (a MeshException) or the last
   *     peer's failure (a gRPC status exception, its status and trailers untouched)
   */
  public CompletableFuture<Optional<byte[]>> dispatch(Request request, RouteHints hints,
      Executor retries, BooleanSupplier cancelled) {
    CompletableFuture<Optional<byte[]>> result = new CompletableFuture<>();
    attempt(request, hints, 1, retries, cancelled, result, null);
    return result;
  }

  /**
   * {@link #dispatch} for a transport thread: the same, when the first route is known without
   * blocking ({@link MeshRouter#routeWithoutBlocking}); null when it is not (or routing failed),
   * with nothing started, so the caller dispatches on a thread that may block. Forwarding itself
   * never blocks: the peer call is asynchronous and a retry runs on {@code retries}.
   */
  public CompletableFuture<Optional<byte[]>> dispatchWithoutBlocking(Request request,
      RouteHints hints, Executor retries, BooleanSupplier cancelled) {
    Route first;
    try {
      first = router.routeWithoutBlocking(request.model(), hints);
    } catch (RuntimeException e) {
      return null; // the error is reported where routing may block, as for any request
    }
    if (first == null) {
      return null;
    }
    CompletableFuture<Optional<byte[]>> result = new CompletableFuture<>();
    attempt(request, hints, 1, retries, cancelled, result, first);
    return result;
  }

  /** @param routed the route already decided for this attempt, or null to route it here */
  private void attempt(Request request, RouteHints hints, int attempt, Executor retries,
      BooleanSupplier cancelled, CompletableFuture<Optional<byte[]>> result, Route routed) {
    Route.Remote remote;
    ListenableFuture<byte[]> answer;
    try {
      Route route = routed != null ? routed : router.route(request.model(), hints);
      if (!(route instanceof Route.Remote r)) {
        result.complete(Optional.empty());
        return;
      }
      remote = r;
      if (attempt == 1) {
        budget.forwarded();
      }
      answer = peers.forward(peers.peer(remote.address()), request.method(), request.body(),
          ForwardHeaders.of(request.model().modelId(), hints, remote.loadHere()),
          request.options());
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    Futures.addCallback(answer, new FutureCallback<byte[]>() {
      @Override
      public void onSuccess(byte[] bytes) {
        metrics.forwarded("ok");
        result.complete(Optional.of(bytes));
      }

      @Override
      public void onFailure(Throwable t) {
        if (Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE
            && attempt < MAX_ATTEMPTS && !cancelled.getAsBoolean()) {
          if (!budget.tryRetry()) {
            metrics.forwarded("retry_denied");
            metrics.forwarded("failed");
            result.completeExceptionally(t);
            return;
          }
          RouteHints next = hints.exclude(remote.instanceId());
          metrics.forwarded("retried");
          Runnable retry = () ->
              attempt(request, next, attempt + 1, retries, cancelled, result, null);
          try {
            timer.schedule(() -> {
              if (cancelled.getAsBoolean()) {
                result.completeExceptionally(t);
                return;
              }
              try {
                retries.execute(retry);
              } catch (RejectedExecutionException full) {
                result.completeExceptionally(t);
              }
            }, backoff.before(attempt).toNanos(), TimeUnit.NANOSECONDS);
            return;
          } catch (RejectedExecutionException shuttingDown) {
            // no thread to retry on: the failure is final
          }
        }
        metrics.forwarded("failed");
        result.completeExceptionally(t);
      }
    }, MoreExecutors.directExecutor());
  }
}
