package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.units.ByteSizes;
import java.time.Clock;
import java.time.Duration;

/**
 * What one download may still spend: bytes (across every file of the artifact) and time until its
 * deadline. Not thread-safe: one download runs on one thread.
 */
final class TransferBudget {

  private final TransferLimits limits;
  private final Clock clock;
  private final long deadlineMillis;
  private final String what;
  private long bytes;

  TransferBudget(TransferLimits limits, Clock clock, String what) {
    this.limits = limits;
    this.clock = clock;
    this.deadlineMillis = clock.millis() + limits.timeout().toMillis();
    this.what = what;
  }

  /** Fails before a transfer whose announced size alone breaks the limit. */
  void require(long announcedBytes) {
    if (announcedBytes > limits.maxBytes()) {
      throw new ModelLoadException(what + " is " + ByteSizes.format(announcedBytes)
          + ", more than the largest artifact allowed (" + ByteSizes.format(limits.maxBytes())
          + ", --max-artifact-size)");
    }
  }

  /** Counts bytes received; fails once they exceed the limit or the deadline has passed. */
  void charge(long n) {
    bytes += n;
    if (bytes > limits.maxBytes()) {
      throw new ModelLoadException(what + " exceeds the largest artifact allowed ("
          + ByteSizes.format(limits.maxBytes()) + ", --max-artifact-size); download stopped");
    }
    checkDeadline();
  }

  void checkDeadline() {
    if (clock.millis() > deadlineMillis) {
      throw timedOut();
    }
  }

  boolean expired() {
    return clock.millis() > deadlineMillis;
  }

  ModelLoadException timedOut() {
    return new ModelLoadException("download of " + what + " did not finish within "
        + limits.timeout() + " (--download-timeout)");
  }

  /** How long one blocking read may wait now: the time left, at least 1 ms. */
  Duration readTimeout() {
    return Duration.ofMillis(Math.max(1, deadlineMillis - clock.millis()));
  }

  long bytes() {
    return bytes;
  }
}
