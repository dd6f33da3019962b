package io.densemesh.config;

import java.time.Duration;

/**
 * The node's default dynamic batching, for models whose registration key names no
 * {@code batching} of its own (see docs/configuration.md). Off unless {@code --batch-max-size} is
 * 2 or more.
 *
 * @param maxBatchSize rows per run; 0 turns the default off
 * @param maxQueueDelay longest wait for a batch to fill
 */
public record BatchingSettings(int maxBatchSize, Duration maxQueueDelay) {

  public static final BatchingSettings OFF = new BatchingSettings(0, Duration.ofNanos(500_000));

  public BatchingSettings {
    if (maxBatchSize != 0 && (maxBatchSize < 2 || maxBatchSize > 4096)) {
      throw new ConfigException("--batch-max-size must be 0 (off) or 2..4096, got "
          + maxBatchSize);
    }
    if (maxQueueDelay.isNegative() || maxQueueDelay.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new ConfigException("--batch-max-delay must be 0..1s, got " + maxQueueDelay);
    }
  }

  public boolean enabled() {
    return maxBatchSize > 0;
  }
}
