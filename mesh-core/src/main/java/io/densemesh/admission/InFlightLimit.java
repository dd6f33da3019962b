package io.densemesh.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node-wide count of requests in flight against a limit that can change at run time. Taking a
 * permit never waits: it succeeds or says no, so the caller can refuse at once instead of
 * queueing. Lowering the limit refuses new requests until enough running ones finish; it never
 * interrupts one.
 */
public final class InFlightLimit {

  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile int limit;

  public InFlightLimit(int limit) {
    setLimit(limit);
  }

  /** @return true and counts one more request, or false when the node is at its limit */
  public boolean tryAcquire() {
    while (true) {
      int n = inFlight.get();
      if (n >= limit) {
        return false;
      }
      if (inFlight.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Returns a permit taken by {@link #tryAcquire}. */
  public void release() {
    if (inFlight.decrementAndGet() < 0) {
      inFlight.incrementAndGet();
      throw new IllegalStateException("released more permits than were taken");
    }
  }

  public void setLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("in-flight limit must be >= 1: " + limit);
    }
    this.limit = limit;
  }

  public int limit() {
    return limit;
  }

  public int inFlight() {
    return inFlight.get();
  }
}
