package io.densemesh.console;

import io.densemesh.cache.CacheListener;
import io.densemesh.metrics.InferenceListener;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's last hour for the console's charts: every {@link #tick} (the node calls it each
 * {@link #INTERVAL_SECONDS} s) closes an interval of cache hits and misses, loads, load failures,
 * evictions and inferences served, kept for {@link #KEPT} intervals; and each tenant's request
 * rate over the last minute. Tenants are the capped labels of the metrics (a bounded set), and
 * at most {@link #MAX_TENANTS} are followed.
 */
public final class NodeHistory implements CacheListener, InferenceListener {

  public static final int INTERVAL_SECONDS = 10;
  /** Intervals kept: one hour. */
  public static final int KEPT = 360;
  /** Tenants whose request rate is followed at most. */
  public static final int MAX_TENANTS = 1024;
  /** Intervals the tenants' request rate is averaged over (one minute). */
  static final int RATE_WINDOW = 6;

  /**
   * One closed interval.
   *
   * @param time when it closed (epoch ms)
   * @param seconds its length
   */
  public record Point(long time, double seconds, long hits, long misses, long loads,
      long failures, long evictions, long requests) {

    /** Hits over hits and misses; -1 when neither happened. */
    public double hitRatio() {
      return hits + misses == 0 ? -1 : (double) hits / (hits + misses);
    }
  }

  private final Clock clock;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final Map<String, LongAdder> tenantRequests = new ConcurrentHashMap<>();
  private final Deque<Point> points = new ArrayDeque<>();
  private final Deque<Sample> tenantSamples = new ArrayDeque<>();
  private long lastTick;

  private record Sample(long time, Map<String, Long> totals) {}

  public NodeHistory(Clock clock) {
    this.clock = clock;
    this.lastTick = clock.millis();
    tenantSamples.add(new Sample(lastTick, Map.of()));
  }

  @Override
  public void hit(String modelId) {
    hits.increment();
  }

  @Override
  public void miss(String modelId) {
    misses.increment();
  }

  @Override
  public void loaded(String modelId, long sizeBytes, long loadMillis) {
    loads.increment();
  }

  @Override
  public void loadFailed(String modelId, String reason) {
    failures.increment();
  }

  @Override
  public void unloaded(String modelId, boolean evicted, long residentMillis) {
    if (evicted) {
      evictions.increment();
    }
  }

  @Override
  public void served(String modelId, String tenant, long nanos, boolean ok) {
    requests.increment();
    LongAdder count = tenantRequests.get(tenant);
    if (count == null && tenantRequests.size() < MAX_TENANTS) {
      count = tenantRequests.computeIfAbsent(tenant, t -> new LongAdder());
    }
    if (count != null) {
      count.increment();
    }
  }

  /** Closes the current interval. */
  public synchronized void tick() {
    long now = clock.millis();
    Point p = new Point(now, Math.max(1, now - lastTick) / 1000.0, hits.sumThenReset(),
        misses.sumThenReset(), loads.sumThenReset(), failures.sumThenReset(),
        evictions.sumThenReset(), requests.sumThenReset());
    lastTick = now;
    points.addLast(p);
    if (points.size() > KEPT) {
      points.removeFirst();
    }
    Map<String, Long> totals = new HashMap<>();
    tenantRequests.forEach((t, c) -> totals.put(t, c.sum()));
    tenantSamples.addLast(new Sample(now, totals));
    if (tenantSamples.size() > RATE_WINDOW + 1) {
      tenantSamples.removeFirst();
    }
  }

  /** The closed intervals, oldest first. */
  public synchronized List<Point> points() {
    return new ArrayList<>(points);
  }

  /** Requests per second by tenant label over the last minute (the closed intervals in it). */
  public synchronized Map<String, Double> tenantRates() {
    Sample first = tenantSamples.peekFirst();
    Sample last = tenantSamples.peekLast();
    Map<String, Double> out = new HashMap<>();
    double seconds = (last.time() - first.time()) / 1000.0;
    if (seconds <= 0) {
      return out;
    }
    last.totals().forEach((t, total) ->
        out.put(t, (total - first.totals().getOrDefault(t, 0L)) / seconds));
    return out;
  }
}
