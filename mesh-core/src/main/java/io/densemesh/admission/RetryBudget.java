package io.densemesh.admission;

import java.time.Clock;

/**
 * How many forward retries a node may send: at most {@code percent} of the forwards it sent over
 * the last {@code windowSeconds} seconds, plus {@code minPerSecond} per second of the window so
 * that a node with little traffic can still retry. When a peer dies every forward to it fails;
 * without a budget each failure is retried (up to twice more), tripling the load on the mesh
 * just when it has lost capacity. With a budget of 10% the extra load stays near 10%.
 *
 * <p>Design: a ring of one-second buckets (forwards, retries), reset lazily as the injected clock
 * moves on; memory is fixed whatever the traffic. Synchronised: one short critical section per
 * forward, far below the cost of the forward itself.
 */
public final class RetryBudget {

  private final Clock clock;
  private final int windowSeconds;
  private final long[] bucketSecond;
  private final long[] forwards;
  private final long[] retries;
  private volatile int percent;
  private volatile int minPerSecond;

  public RetryBudget(Clock clock, int windowSeconds, int percent, int minPerSecond) {
    if (windowSeconds < 1 || windowSeconds > 3600) {
      throw new IllegalArgumentException("retry window must be 1..3600 s: " + windowSeconds);
    }
    this.clock = clock;
    this.windowSeconds = windowSeconds;
    this.bucketSecond = new long[windowSeconds];
    this.forwards = new long[windowSeconds];
    this.retries = new long[windowSeconds];
    java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    setLimits(percent, minPerSecond);
  }

  /** Changes the budget (live settings); counts so far are kept. */
  public void setLimits(int percent, int minPerSecond) {
    if (percent < 0 || percent > 100 || minPerSecond < 0) {
      throw new IllegalArgumentException("retry budget must be 0..100 % and a minimum >= 0, got "
          + percent + " % and " + minPerSecond + "/s");
    }
    this.percent = percent;
    this.minPerSecond = minPerSecond;
  }

  /** Counts a first attempt (a forward that is not a retry). */
  public synchronized void forwarded() {
    forwards[bucket()]++;
  }

  /**
   * Takes one retry from the budget.
   *
   * @return false when the budget is spent: the caller fails instead of retrying
   */
  public synchronized boolean tryRetry() {
    int now = bucket();
    long sentForwards = 0;
    long sentRetries = 0;
    for (int i = 0; i < windowSeconds; i++) {
      sentForwards += forwards[i];
      sentRetries += retries[i];
    }
    long allowed = (long) minPerSecond * windowSeconds + sentForwards * percent / 100;
    if (sentRetries >= allowed) {
      return false;
    }
    retries[now]++;
    return true;
  }

  /** The bucket of the current second, emptied first when it last held an older second. */
  private int bucket() {
    long second = Math.floorDiv(clock.millis(), 1000);
    int i = (int) Math.floorMod(second, (long) windowSeconds);
    if (bucketSecond[i] != second) {
      // Empty every bucket that now belongs to a second outside the window.
      for (int j = 0; j < windowSeconds; j++) {
        if (bucketSecond[j] <= second - windowSeconds || bucketSecond[j] > second) {
          forwards[j] = 0;
          retries[j] = 0;
          bucketSecond[j] = Long.MIN_VALUE;
        }
      }
      bucketSecond[i] = second;
      forwards[i] = 0;
      retries[i] = 0;
    }
    return i;
  }
}
