package io.densemesh.perf.latency;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench}: {@link LatencyBenchmark}. */
@Command(name = "bench", sortOptions = false,
    description = "Serving-path latency: one model in-process (ORT), behind a bare grpc-java"
        + " server, and in a DenseMesh node; rounds interleaved, medians reported.")
public final class BenchCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
      description = "Rounds per concurrency (targets rotated each round).")
  int rounds;
  @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
      description = "Measured seconds per target and round.")
  int seconds;
  @Option(names = "--warmup", defaultValue = "1", paramLabel = "S",
      description = "Warm-up seconds per target and round.")
  int warmup;
  @Option(names = "--concurrency", defaultValue = "1,8,32", split = ",", paramLabel = "N,...",
      description = "Closed-loop client counts.")
  int[] concurrency;
  @Option(names = "--intra-op-threads", defaultValue = "1", paramLabel = "N",
      description = "Threads one ONNX inference may use.")
  int intraOpThreads;

  @Override
  public Integer call() throws Exception {
    LatencyBenchmark.execute(rounds, seconds, warmup, intraOpThreads, concurrency);
    return 0;
  }
}
