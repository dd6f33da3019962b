package io.densemesh.quickstart;

import io.densemesh.config.ByteSize;
import io.densemesh.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Quickstart flags, validated. */
record QuickstartOptions(int models, int clients, Duration duration, long capacityBytes,
    double zipf, long seed, boolean keepRunning, Path dataDir) {

  static final String USAGE = """
      usage: densemesh quickstart [--models N] [--clients N] [--duration 20s] [--capacity 8m]
                                  [--zipf 1.0] [--seed N] [--data-dir DIR] [--keep-running]""";

  QuickstartOptions {
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

  static QuickstartOptions parse(List<String> args) {
    int models = 300;
    int clients = 8;
    Duration duration = Duration.ofSeconds(20);
    long capacity = ByteSize.parse("--capacity", "8m");
    double zipf = 1.0;
    long seed = 7;
    boolean keep = false;
    Path dataDir = null;
    for (int i = 0; i < args.size(); i++) {
      String flag = args.get(i);
      if (flag.equals("--keep-running")) {
        keep = true;
        continue;
      }
      if (i + 1 >= args.size()) {
        throw new ConfigException(flag + " needs a value (" + USAGE.lines().findFirst().get()
            + ")");
      }
      String value = args.get(++i);
      try {
        switch (flag) {
          case "--models" -> models = Integer.parseInt(value);
          case "--clients" -> clients = Integer.parseInt(value);
          case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(
              value.endsWith("s") ? value.substring(0, value.length() - 1) : value));
          case "--capacity" -> capacity = ByteSize.parse("--capacity", value);
          case "--zipf" -> zipf = Double.parseDouble(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--data-dir" -> dataDir = Path.of(value);
          default -> throw new ConfigException("unknown option " + flag);
        }
      } catch (NumberFormatException e) {
        throw new ConfigException(flag + ": '" + value + "' is not a number");
      }
    }
    return new QuickstartOptions(models, clients, duration, capacity, zipf, seed, keep, dataDir);
  }
}
