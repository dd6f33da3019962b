package io.densemesh.perf.latency;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-batching}: {@link BatchingBenchmark}. */
@Command(name = "bench-batching", sortOptions = false,
    description = "Dynamic batching on versus off, same node and run: a small classifier and a"
        + " 4x1024 MLP, arms alternating in rounds.")
public final class BenchBatchingCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "3", paramLabel = "N", description = "Rounds.")
  int rounds;
  @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
      description = "Measured seconds per arm and round.")
  int seconds;
  @Option(names = "--warmup", defaultValue = "1", paramLabel = "S",
      description = "Warm-up seconds per arm and round.")
  int warmup;
  @Option(names = "--concurrency", defaultValue = "1,8,32,128", split = ",",
      paramLabel = "N,...", description = "Closed-loop client counts.")
  int[] concurrency;

  @Override
  public Integer call() throws Exception {
    BatchingBenchmark.execute(rounds, seconds, warmup, concurrency);
    return 0;
  }
}
