package io.densemesh.perf.latency;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-auth}: {@link AuthBenchmark}. */
@Command(name = "bench-auth", sortOptions = false,
    description = "Local-hit latency with TLS and a JWT checked versus plaintext without"
        + " authentication (interleaved rounds).")
public final class BenchAuthCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "7", paramLabel = "N", description = "Rounds.")
  int rounds;
  @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
      description = "Measured seconds per side and round.")
  int seconds;
  @Option(names = "--warmup", defaultValue = "2", paramLabel = "S",
      description = "Warm-up seconds per side and round.")
  int warmup;
  @Option(names = "--concurrency", defaultValue = "1,8", split = ",", paramLabel = "N,...",
      description = "Closed-loop client counts.")
  int[] concurrency;
  @Option(names = "--tls", defaultValue = "true", arity = "1", paramLabel = "BOOL",
      description = "Measure TLS + JWT against plaintext without authentication; false: the JWT"
          + " alone.")
  boolean tls;

  @Override
  public Integer call() throws Exception {
    AuthBenchmark.execute(rounds, seconds, warmup, concurrency, tls);
    return 0;
  }
}
