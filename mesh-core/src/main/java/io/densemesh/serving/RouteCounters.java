package io.densemesh.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's request, error and latency counters per vmodel route (serving or shadow), for
 * {@code getVModelRoutes}. Bounded: the least recently used routes are forgotten beyond
 * {@link #MAX_ROUTES} (a client can create many vmodels).
 */
public final class RouteCounters {

  /** Routes counted at most. */
  public static final int MAX_ROUTES = 10_000;

  /** One route's counters at a moment. */
  public record Snapshot(long requests, long errors, double meanLatencyMs) {}

  private record Key(String vmodelId, String modelId, boolean shadow) {}

  private static final class Counts {
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder nanos = new LongAdder();
  }

  private final Cache<Key, Counts> counts;

  public RouteCounters() {
    this(MAX_ROUTES);
  }

  RouteCounters(int maxRoutes) {
    this.counts = Caffeine.newBuilder().maximumSize(maxRoutes).executor(Runnable::run).build();
  }

  /** Counts one request routed to {@code modelId} of {@code vmodelId}. */
  public void record(String vmodelId, String modelId, boolean shadow, boolean failed,
      long nanos) {
    Counts c = counts.get(new Key(vmodelId, modelId, shadow), k -> new Counts());
    c.requests.increment();
    if (failed) {
      c.errors.increment();
    }
    c.nanos.add(nanos);
  }

  public Snapshot snapshot(String vmodelId, String modelId, boolean shadow) {
    Counts c = counts.getIfPresent(new Key(vmodelId, modelId, shadow));
    if (c == null) {
      return new Snapshot(0, 0, 0);
    }
    long n = c.requests.sum();
    return new Snapshot(n, c.errors.sum(), n == 0 ? 0 : c.nanos.sum() / 1e6 / n);
  }

  /** Routes counted now (for tests of the bound). */
  long size() {
    counts.cleanUp();
    return counts.estimatedSize();
  }
}
