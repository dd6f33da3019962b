package io.densemesh.admission;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The pause before a forward retry: exponential from {@code base} (doubling per attempt, capped at
 * {@code max}) with "equal jitter" (half fixed, half random), so that the nodes that all saw one
 * peer fail at once do not retry in lock step.
 */
public final class RetryBackoff {

  /** What a node uses: 10 ms, 20 ms, ... never more than 200 ms. */
  public static final Duration BASE = Duration.ofMillis(10);
  public static final Duration MAX = Duration.ofMillis(200);

  private final long baseNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  public RetryBackoff(Duration base, Duration max, RandomGenerator random) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < base <= max, got " + base + ", "
          + max);
    }
    this.baseNanos = base.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The node's default backoff. */
  public static RetryBackoff standard() {
    return new RetryBackoff(BASE, MAX, RandomGenerator.getDefault());
  }

  /** @param retry 1 for the first retry, 2 for the second, ... */
  public Duration before(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry numbers start at 1: " + retry);
    }
    long ceiling = baseNanos << Math.min(retry - 1, 20);
    ceiling = ceiling <= 0 || ceiling > maxNanos ? maxNanos : ceiling;
    long half = ceiling / 2;
    return Duration.ofNanos(half + (half > 0 ? random.nextLong(half + 1) : 0));
  }
}
