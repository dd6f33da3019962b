package io.densemesh.grpc;

import io.densemesh.metrics.NodeMetrics;
import io.densemesh.serving.ModelResolver.Routed;
import io.densemesh.serving.RouteCounters;
import io.densemesh.runtime.ModelSpec;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;

/**
 * The bookkeeping of requests that went through a vmodel's traffic split: counts the serving
 * route's outcome and sends each sampled shadow its copy. Shadows run detached from the client's
 * call (its cancellation does not reach them, their failures never reach the client) and at most
 * {@link #MAX_SHADOWS_IN_FLIGHT} at once: beyond that a shadow copy is dropped (counted), never
 * queued, so a slow shadow model cannot hold the serving path's memory or threads.
 */
public final class SplitTraffic {

  /** Shadow copies in flight on this node at most. */
  public static final int MAX_SHADOWS_IN_FLIGHT = 64;

  private final RouteCounters counters;
  private final NodeMetrics metrics;
  private final Semaphore shadowSlots;

  public SplitTraffic(RouteCounters counters, NodeMetrics metrics) {
    this(counters, metrics, MAX_SHADOWS_IN_FLIGHT);
  }

  SplitTraffic(RouteCounters counters, NodeMetrics metrics, int maxShadows) {
    this.counters = counters;
    this.metrics = metrics;
    this.shadowSlots = new Semaphore(maxShadows);
  }

  /** The client's observer, counting the serving route's outcome when the request was split. */
  public <T> StreamObserver<T> counted(Routed routed, StreamObserver<T> out) {
    if (!routed.split()) {
      return out;
    }
    long start = System.nanoTime();
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        out.onNext(value);
      }

      @Override
      public void onError(Throwable t) {
        record(routed.vmodelId(), routed.model().modelId(), false, true, start);
        out.onError(t);
      }

      @Override
      public void onCompleted() {
        record(routed.vmodelId(), routed.model().modelId(), false, false, start);
        out.onCompleted();
      }
    };
  }

  /**
   * Sends each shadow its copy through {@code send}, which answers when the shadow finished
   * (exceptionally when it failed); its answer is discarded.
   */
  public void shadow(Routed routed, Function<ModelSpec, CompletableFuture<?>> send) {
    for (ModelSpec shadow : routed.shadows()) {
      if (!shadowSlots.tryAcquire()) {
        metrics.routed("shadow", "dropped");
        continue;
      }
      long start = System.nanoTime();
      CompletableFuture<?> done;
      try {
        done = send.apply(shadow);
      } catch (RuntimeException e) {
        done = CompletableFuture.failedFuture(e);
      }
      done.whenComplete((answer, failure) -> {
        shadowSlots.release();
        record(routed.vmodelId(), shadow.modelId(), true, failure != null, start);
      });
    }
  }

  private void record(String vmodelId, String modelId, boolean shadow, boolean failed,
      long start) {
    counters.record(vmodelId, modelId, shadow, failed, System.nanoTime() - start);
    metrics.routed(shadow ? "shadow" : "serving", failed ? "error" : "ok");
  }
}
