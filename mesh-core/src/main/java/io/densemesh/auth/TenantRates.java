package io.densemesh.auth;

import io.densemesh.runtime.error.TenantLimitException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant request rates on this node: one token bucket (bucket4j) per tenant that has a rate,
 * refilled greedily, read on the injected clock. Admins and mesh peers are not limited (a
 * forwarded request was counted where it entered). New limits replace every bucket.
 */
public final class TenantRates {

  private final TimeMeter time;
  private volatile TenantLimits limits = TenantLimits.none();
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public TenantRates(Clock clock) {
    this.time = new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return clock.millis() * 1_000_000L;
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
  }

  /** Applies new limits (from the live settings). */
  public void update(TenantLimits next) {
    if (!next.equals(limits)) {
      limits = next;
      buckets.clear();
    }
  }

  public TenantLimits limits() {
    return limits;
  }

  /**
   * Takes one request from the caller's tenant's bucket.
   *
   * @throws TenantLimitException when the bucket is empty, with when the next request fits
   */
  public void acquire(Principal caller) {
    if (caller.admin()) {
      return;
    }
    TenantLimits.Limits own = limits.of(caller.tenant());
    if (own.requestsPerSecond() <= 0) {
      return;
    }
    Bucket bucket = buckets.computeIfAbsent(caller.tenant(), t -> bucket(own));
    if (bucket.tryConsume(1)) {
      return;
    }
    long waitNanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
    Duration wait = Duration.ofMillis(Math.max(1, (waitNanos + 999_999) / 1_000_000));
    throw new TenantLimitException(String.format(Locale.ROOT,
        "tenant '%s' is over its request rate of %s/s (burst %d); retry in %d ms",
        caller.tenant(), rate(own.requestsPerSecond()), own.capacity(), wait.toMillis()),
        Optional.of(wait));
  }

  private Bucket bucket(TenantLimits.Limits own) {
    long periodNanos = Math.max(1, (long) (1e9 / own.requestsPerSecond()));
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(own.capacity())
            .refillGreedy(1, Duration.ofNanos(periodNanos)))
        .withCustomTimePrecision(time)
        .build();
  }

  private static String rate(double perSecond) {
    return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond)
        : Double.toString(perSecond);
  }
}
