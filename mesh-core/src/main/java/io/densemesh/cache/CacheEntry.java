package io.densemesh.cache;

import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelSpec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One model's slot in the cache, from the moment its load starts until it is unloaded.
 *
 * <p>{@code users} counts leases (requests running or waiting on the model). Retiring an entry
 * is a compare-and-set of {@code users} from 0 to -1, and taking a lease is an increment that is
 * only allowed from a value {@code >= 0}: so a model is never unloaded under a request, and a
 * request never gets a model that is being unloaded (it retries on a fresh entry instead).
 */
final class CacheEntry {

  private static final int RETIRED = -1;

  final ModelSpec spec;
  final CompletableFuture<LoadedModel> ready = new CompletableFuture<>();
  private final AtomicInteger users = new AtomicInteger();
  private final LongAdder uses = new LongAdder();
  private volatile long lastUsedMillis;
  private volatile long sinceMillis;
  /** What this entry holds in the host and GPU budgets (changed by the accountant only). */
  final MemoryAccountant.Charge charge = new MemoryAccountant.Charge();
  /** Set when the model was unregistered: unload as soon as the last lease is released. */
  volatile boolean unloadWhenIdle;
  /** Callers waiting for the load now (bounded per model by the cache). */
  private final AtomicInteger waiters = new AtomicInteger();
  private static final int QUEUED = 0;
  private static final int STARTED = 1;
  private static final int DROPPED = 2;
  /** QUEUED until a loader takes the load (STARTED) or its last waiter leaves first (DROPPED). */
  private final AtomicInteger phase = new AtomicInteger(QUEUED);
  /**
   * True while only requests want this load (it may be dropped when they all leave before it
   * starts); false once the management API or the mesh asked for the copy.
   */
  private volatile boolean onDemandOnly;
  /** What a dropped load's future failed with (set before it completes). */
  volatile RuntimeException dropNotice;
  /** The queued load task, so a dropped load leaves the loader queue at once. */
  volatile Runnable loadTask;
  /**
   * Callers waiting without a thread ({@code ModelCache.whenLoaded}); each leaves this set when
   * it completes or is cancelled, so the set never holds more than the waiter bound.
   */
  final java.util.Set<CompletableFuture<Void>> asyncWaiters =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  CacheEntry(ModelSpec spec, long nowMillis, boolean onDemandOnly) {
    this.spec = spec;
    this.lastUsedMillis = nowMillis;
    this.sinceMillis = nowMillis;
    this.onDemandOnly = onDemandOnly;
  }

  /** The copy was asked for by more than a request: it loads even if nobody waits. */
  void keep() {
    onDemandOnly = false;
  }

  /** Joins the callers waiting for the load; false when {@code max} already wait. */
  boolean enterWait(int max) {
    while (true) {
      int n = waiters.get();
      if (n >= max) {
        return false;
      }
      if (waiters.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * Leaves the waiters. @return true when this was the last waiter of an on-demand load that had
   * not started: the load is now dropped (the caller removes it)
   */
  boolean leaveWait() {
    return waiters.decrementAndGet() == 0 && onDemandOnly
        && phase.compareAndSet(QUEUED, DROPPED);
  }

  int waiters() {
    return Math.max(0, waiters.get());
  }

  /** The loader takes the load; false when it was dropped meanwhile (nothing to do). */
  boolean start() {
    return phase.compareAndSet(QUEUED, STARTED);
  }

  boolean dropped() {
    return phase.get() == DROPPED;
  }

  String modelId() {
    return spec.modelId();
  }

  /** Takes a lease; false when the entry is retired (the caller looks again). */
  boolean retain() {
    while (true) {
      int n = users.get();
      if (n == RETIRED) {
        return false;
      }
      if (users.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** @return true when this was the last lease */
  boolean release() {
    return users.decrementAndGet() == 0;
  }

  /** Retires the entry if nobody holds a lease. */
  boolean tryRetire() {
    return users.compareAndSet(0, RETIRED);
  }

  boolean retired() {
    return users.get() == RETIRED;
  }

  int users() {
    return Math.max(0, users.get());
  }

  void touch(long nowMillis) {
    lastUsedMillis = nowMillis;
    uses.increment();
  }

  long lastUsedMillis() {
    return lastUsedMillis;
  }

  long uses() {
    return uses.sum();
  }

  long sinceMillis() {
    return sinceMillis;
  }

  void stateChanged(long nowMillis) {
    sinceMillis = nowMillis;
  }

  /** The loaded model, or null while loading or after a failure. */
  LoadedModel loadedOrNull() {
    return ready.isDone() && !ready.isCompletedExceptionally() ? ready.join() : null;
  }
}
