package io.densemesh.runtime.error;

import java.time.Duration;

/**
 * The node is over one of its admission limits (requests in flight, callers waiting for a model)
 * and refused the call at once rather than queue it: RESOURCE_EXHAUSTED on gRPC, 429 on REST,
 * always with a hint of when a retry may succeed.
 */
public final class OverloadedException extends MeshException {

  private static final long serialVersionUID = 1L;

  private final transient Duration retryAfter;

  public OverloadedException(String message, Duration retryAfter) {
    super(message);
    if (retryAfter == null || retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must be >= 0");
    }
    this.retryAfter = retryAfter;
  }

  /**
   * No stack trace: a refusal is an expected answer under load, made thousands of times a
   * second, and the place it came from says nothing its message does not.
   */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  /** When a retry may succeed. */
  public Duration retryAfter() {
    return retryAfter == null ? Duration.ofSeconds(1) : retryAfter;
  }
}
