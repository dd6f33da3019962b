package io.densemesh.perf.latency;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-observability}: {@link ObservabilityBenchmark}. */
@Command(name = "bench-observability", sortOptions = false,
    description = "Local-hit latency with JSON logs, per-model metrics and tracing (sampling 0)"
        + " on versus off.")
public final class BenchObservabilityCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "6", paramLabel = "N", description = "Rounds.")
  int rounds;
  @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
      description = "Measured seconds per side and round.")
  int seconds;
  @Option(names = "--warmup", defaultValue = "2", paramLabel = "S",
      description = "Warm-up seconds per side and round.")
  int warmup;
  @Option(names = "--concurrency", defaultValue = "8", paramLabel = "N",
      description = "Closed-loop clients.")
  int concurrency;

  @Override
  public Integer call() throws Exception {
    ObservabilityBenchmark.execute(rounds, seconds, warmup, concurrency);
    return 0;
  }
}
