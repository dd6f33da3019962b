package io.densemesh.perf.latency;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-stream}: {@link StreamBenchmark}. */
@Command(name = "bench-stream", sortOptions = false,
    description = "One ModelStreamInfer stream kept --window deep versus unary calls, one client"
        + " (interleaved rounds).")
public final class BenchStreamCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "5", paramLabel = "N", description = "Rounds.")
  int rounds;
  @Option(names = "--seconds", defaultValue = "4", paramLabel = "S",
      description = "Measured seconds per arm and round.")
  int seconds;
  @Option(names = "--warmup", defaultValue = "2", paramLabel = "S",
      description = "Warm-up seconds per arm and round.")
  int warmup;
  @Option(names = "--window", defaultValue = "16", paramLabel = "N",
      description = "Requests the stream keeps outstanding.")
  int window;

  @Override
  public Integer call() throws Exception {
    StreamBenchmark.execute(rounds, seconds, warmup, window);
    return 0;
  }
}
