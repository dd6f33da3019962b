package io.densemesh.perf.latency;

import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-rest}: {@link RestBenchmark}. */
@Command(name = "bench-rest", sortOptions = false,
    description = "REST JSON infer vs REST binary-tensor infer vs gRPC ModelInfer on one node,"
        + " small MLP (interleaved rounds).")
public final class BenchRestCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "5", paramLabel = "N", description = "Rounds.")
  int rounds;
  @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
      description = "Measured seconds per target and round.")
  int seconds;
  @Option(names = "--warmup", defaultValue = "1", paramLabel = "S",
      description = "Warm-up seconds per target and round.")
  int warmup;
  @Option(names = "--concurrency", defaultValue = "1,8", split = ",", paramLabel = "N[,N...]",
      description = "Closed-loop client counts.")
  int[] concurrency;

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || seconds < 1 || warmup < 0
        || Arrays.stream(concurrency).anyMatch(c -> c < 1 || c > 1024)) {
      System.err.println("bench-rest: --rounds and --seconds must be >= 1, --warmup >= 0,"
          + " each --concurrency 1..1024");
      return 2;
    }
    RestBenchmark.execute(rounds, seconds, warmup, concurrency);
    return 0;
  }
}
