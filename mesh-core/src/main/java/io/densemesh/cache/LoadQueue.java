package io.densemesh.cache;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loader pool: at most {@code slots} loads run at once, and at most {@code maxQueued} wait
 * for a slot. A load is first admitted (counted as queued, or refused when the queue is full),
 * then submitted; it stops counting as queued when a loader starts it or when it is withdrawn
 * (its callers left before it started).
 */
final class LoadQueue {

  private final ThreadPoolExecutor loaders;
  /** Loads admitted that no loader has started yet. */
  private final AtomicInteger queued = new AtomicInteger();
  private volatile int maxQueued = Integer.MAX_VALUE;

  LoadQueue(int slots) {
    AtomicInteger threadNo = new AtomicInteger();
    this.loaders =
        new ThreadPoolExecutor(
            slots,
            slots,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "model-loader-" + threadNo.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Counts one more load waiting for a slot; false (nothing counted) when the queue is full. */
  boolean admit() {
    if (queued.incrementAndGet() > maxQueued) {
      queued.decrementAndGet();
      return false;
    }
    return true;
  }

  /**
   * Hands an admitted load to the pool; false when the pool is shut down (the admission is
   * returned).
   */
  boolean submit(Runnable load) {
    try {
      loaders.execute(load);
      return true;
    } catch (RejectedExecutionException shutDown) {
      queued.decrementAndGet();
      return false;
    }
  }

  /** A loader took an admitted load: it no longer waits for a slot. */
  void started() {
    queued.decrementAndGet();
  }

  /** An admitted load that never started leaves the queue (and the pool's queue, if there). */
  void withdraw(Runnable load) {
    queued.decrementAndGet();
    if (load != null) {
      loaders.remove(load);
    }
  }

  /** Loads waiting for a slot now. */
  int queued() {
    return Math.max(0, queued.get());
  }

  int maxQueued() {
    return maxQueued;
  }

  /** At most this many loads wait for a slot (live setting). */
  void setMaxQueued(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("queued loads must be >= 1: " + max);
    }
    this.maxQueued = max;
  }

  /** Changes how many loads run at once (1..256). */
  synchronized void setSlots(int slots) {
    if (slots < 1 || slots > 256) {
      throw new IllegalArgumentException("loading slots must be 1..256: " + slots);
    }
    if (slots > loaders.getMaximumPoolSize()) {
      loaders.setMaximumPoolSize(slots);
      loaders.setCorePoolSize(slots);
    } else {
      loaders.setCorePoolSize(slots);
      loaders.setMaximumPoolSize(slots);
    }
  }

  int slots() {
    return loaders.getCorePoolSize();
  }

  /** Stops the loaders (interrupting running loads); later submissions are refused. */
  void shutdownNow() {
    loaders.shutdownNow();
  }
}
