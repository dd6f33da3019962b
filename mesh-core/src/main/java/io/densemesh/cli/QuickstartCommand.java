package io.densemesh.cli;

import io.densemesh.cli.support.ByteSizeConverter;
import io.densemesh.cli.support.DurationConverter;
import io.densemesh.quickstart.Quickstart;
import io.densemesh.quickstart.QuickstartOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh quickstart}: the two-minute tour. */
@Command(name = "quickstart", sortOptions = false,
    description = {"Start a node on a tight memory budget, register per-tenant models, drive"
        + " Zipf traffic (every answer checked) and summarise."})
public final class QuickstartCommand implements Callable<Integer> {

  @Option(names = "--models", defaultValue = "300", paramLabel = "N",
      description = "Tenant models to generate and register (1..100000).")
  int models;
  @Option(names = "--clients", defaultValue = "8", paramLabel = "N",
      description = "Concurrent clients (1..256).")
  int clients;
  @Option(names = "--duration", defaultValue = "20s", paramLabel = "DURATION",
      converter = DurationConverter.class, description = "How long traffic runs.")
  Duration duration;
  @Option(names = "--capacity", defaultValue = "8m", paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description = "The node's memory budget (small, so that eviction happens).")
  long capacity;
  @Option(names = "--zipf", defaultValue = "1.0", paramLabel = "S",
      description = "Popularity skew of the traffic (>= 0).")
  double zipf;
  @Option(names = "--seed", defaultValue = "7", paramLabel = "N",
      description = "Seed of the models' weights and of the traffic.")
  long seed;
  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where models and the registry go (default: a new temp directory).")
  Path dataDir;
  @Option(names = "--keep-running",
      description = "Bind the default ports and keep serving after the summary.")
  boolean keepRunning;

  @Override
  public Integer call() {
    return Quickstart.run(new QuickstartOptions(models, clients, duration, capacity, zipf, seed,
        keepRunning, dataDir), System.out);
  }
}
