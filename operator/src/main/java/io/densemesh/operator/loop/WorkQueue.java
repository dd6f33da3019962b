package io.densemesh.operator.loop;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a controller's reconciles on one thread, so two reconciles of the same key never overlap.
 * A key added while already waiting is not queued twice (events coalesce). A reconcile that
 * throws is retried after {@link Backoff#delay} for its consecutive failure count; one that asks
 * for it is requeued after its delay (status polling).
 *
 * @param <K> the key type (e.g. a resource name)
 */
public final class WorkQueue<K> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);

  /** Reconciles one key. */
  @FunctionalInterface
  public interface Handler<K> {
    /** @return when to look at the key again without an event, if at all */
    Optional<Duration> reconcile(K key) throws Exception;
  }

  private final String name;
  private final Handler<K> handler;
  private final Backoff backoff;
  private final ScheduledExecutorService executor;
  private final Set<K> waiting = ConcurrentHashMap.newKeySet();
  private final Map<K, Integer> failures = new ConcurrentHashMap<>();

  public WorkQueue(String name, Handler<K> handler, Backoff backoff) {
    this.name = name;
    this.handler = handler;
    this.backoff = backoff;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "reconcile-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues the key now (no-op while it is already waiting). */
  public void add(K key) {
    if (waiting.add(key)) {
      try {
        executor.execute(() -> run(key));
      } catch (RejectedExecutionException e) {
        waiting.remove(key); // closed
      }
    }
  }

  /** Queues the key after a delay. */
  public void addAfter(K key, Duration delay) {
    try {
      executor.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void run(K key) {
    waiting.remove(key);
    try {
      Optional<Duration> again = handler.reconcile(key);
      failures.remove(key);
      again.ifPresent(d -> addAfter(key, d));
    } catch (Exception e) {
      int attempt = failures.merge(key, 1, Integer::sum);
      Duration delay = backoff.delay(attempt);
      log.warn("{} {}: reconcile failed (attempt {}), retrying in {} ms: {}", name, key, attempt,
          delay.toMillis(), e.toString());
      addAfter(key, delay);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
