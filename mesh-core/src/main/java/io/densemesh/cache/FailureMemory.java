package io.densemesh.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.densemesh.runtime.ModelSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Remembers failed loads for a backoff window measured on the injected clock, so that requests in
 * that window fail fast with the reason instead of loading again. A failure is forgotten when the
 * window ends ({@code backoff} after it was recorded, exactly) or when the model is unloaded.
 * Holds one record per model id; the ids are the registered models', so it grows no further.
 */
final class FailureMemory {

  /** A remembered failure: for which registration, why, and when. */
  record Failure(ModelSpec spec, String reason, long atMillis) {}

  private final Clock clock;
  private final Cache<String, Failure> failures;

  FailureMemory(Clock clock, Duration backoff) {
    this.clock = clock;
    this.failures =
        Caffeine.newBuilder()
            .expireAfterWrite(backoff)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .build();
  }

  /** Records that loading {@code spec} failed now. */
  void remember(ModelSpec spec, String reason) {
    failures.put(spec.modelId(), new Failure(spec, reason, clock.millis()));
  }

  /** The model's failure still inside its window, whatever registration it was for. */
  Optional<Failure> of(String modelId) {
    return Optional.ofNullable(failures.getIfPresent(modelId));
  }

  /**
   * The failure still inside its window for exactly this registration (a model registered anew
   * with other details loads afresh).
   */
  Optional<Failure> of(ModelSpec spec) {
    return of(spec.modelId()).filter(f -> f.spec().equals(spec));
  }

  /** Forgets the model's failure (it was unregistered or registered anew). */
  void forget(String modelId) {
    failures.invalidate(modelId);
  }
}
