package io.densemesh.rest;

import io.densemesh.runtime.error.OverloadedException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The REST server's request threads: a fixed pool with a bounded number of admitted requests
 * ({@code threads + queue}). A request reserves its place when its headers arrive, before its body
 * is read, so a node that cannot take more work says so at once ({@link OverloadedException}: 429
 * with {@code Retry-After}) instead of buffering bodies it will not get to. The permit count, not
 * the executor's queue, is the bound: the queue is sized so that it never rejects an admitted task.
 */
final class RestWorkers implements AutoCloseable {

  /** What an overloaded REST stack tells clients to wait before retrying. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final int threads;
  private final int queue;
  private final Semaphore permits;
  private final ThreadPoolExecutor pool;

  RestWorkers(int threads, int queue) {
    this.threads = threads;
    this.queue = queue;
    this.permits = new Semaphore(threads + queue);
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(threads + queue), r -> {
          Thread t = new Thread(r, "rest-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Admits one request.
   *
   * @throws OverloadedException when {@code threads + queue} requests are admitted already
   */
  Permit admit() {
    if (!permits.tryAcquire()) {
      throw new OverloadedException("the REST server is at its limit of " + threads
          + " running and " + queue + " waiting requests; retry later", RETRY_AFTER);
    }
    return new Permit();
  }

  /** Requests admitted and not yet finished. */
  int admitted() {
    return threads + queue - permits.availablePermits();
  }

  /** One admitted request's place; released once, by {@link #run}'s task or {@link #release}. */
  final class Permit {
    private final AtomicBoolean held = new AtomicBoolean(true);

    /** Runs the request's work on a request thread, then frees the place. */
    void run(Runnable work) {
      try {
        pool.execute(() -> {
          try {
            work.run();
          } finally {
            release();
          }
        });
      } catch (RejectedExecutionException e) {
        release();
        throw new OverloadedException("the REST server is shutting down", RETRY_AFTER);
      }
    }

    /** Frees the place of a request that will not run (refused, or its client went away). */
    void release() {
      if (held.compareAndSet(true, false)) {
        permits.release();
      }
    }
  }

  /** Lets queued and running requests finish (bounded), then stops the threads. */
  void shutdown(Duration timeout) {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
