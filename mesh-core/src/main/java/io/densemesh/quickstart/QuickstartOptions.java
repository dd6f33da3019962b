package io.densemesh.quickstart;

import io.densemesh.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Quickstart settings (read by {@code io.densemesh.cli.QuickstartCommand}), validated here.
 *
 * @param dataDir where models and the registry go; null for a new temp directory
 */
public record QuickstartOptions(int models, int clients, Duration duration, long capacityBytes,
    double zipf, long seed, boolean keepRunning, Path dataDir) {

  public QuickstartOptions {
    if (models < 1 || models > 100_000) {
      throw new ConfigException("--models must be 1..100000");
    }
    if (clients < 1 || clients > 256) {
      throw new ConfigException("--clients must be 1..256");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new ConfigException("--duration must be > 0");
    }
    if (zipf < 0) {
      throw new ConfigException("--zipf must be >= 0");
    }
  }
}
