package io.densemesh.runtime.error;

import java.time.Duration;
import java.util.Optional;

/**
 * A tenant is over one of its limits (request rate, models registered): RESOURCE_EXHAUSTED on
 * gRPC, 429 on REST, with a hint of when trying again can succeed when there is one.
 */
public final class TenantLimitException extends MeshException {

  private static final long serialVersionUID = 1L;

  private final transient Optional<Duration> retryAfter;

  public TenantLimitException(String message, Optional<Duration> retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** When a retry may succeed; empty when waiting alone will not help. */
  public Optional<Duration> retryAfter() {
    return retryAfter == null ? Optional.empty() : retryAfter;
  }
}
