package io.densemesh.operator.loop;

import java.time.Duration;

/**
 * Exponential retry delays: {@code base * 2^(attempt-1)}, capped at {@code max}.
 *
 * @param base delay after the first failure
 * @param max the cap
 */
public record Backoff(Duration base, Duration max) {

  public Backoff {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < base <= max, got " + base + ", " + max);
    }
  }

  /** @param attempt 1 for the first failure */
  public Duration delay(int attempt) {
    if (attempt <= 1) {
      return base;
    }
    int shift = Math.min(attempt - 1, 30);
    long millis = base.toMillis() << shift;
    return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
  }
}
