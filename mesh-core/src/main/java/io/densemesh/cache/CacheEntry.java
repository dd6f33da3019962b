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
  /** Bytes this entry holds in the budget; guarded by the cache's budget lock. */
  long chargedBytes;
  /** GPU bytes this entry holds in the GPU budget; guarded by the cache's budget lock. */
  long chargedGpuBytes;
  /** Set when the model was unregistered: unload as soon as the last lease is released. */
  volatile boolean unloadWhenIdle;

  CacheEntry(ModelSpec spec, long nowMillis) {
    this.spec = spec;
    this.lastUsedMillis = nowMillis;
    this.sinceMillis = nowMillis;
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
