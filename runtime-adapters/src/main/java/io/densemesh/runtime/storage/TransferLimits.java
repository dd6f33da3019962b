package io.densemesh.runtime.storage;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on one artifact download.
 *
 * @param maxBytes the most bytes one artifact (all files of a prefix together) may have
 * @param timeout the longest a whole download may take; also the longest one read may block
 */
public record TransferLimits(long maxBytes, Duration timeout) {

  public TransferLimits {
    Objects.requireNonNull(timeout, "timeout");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be >= 1");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be > 0");
    }
  }
}
