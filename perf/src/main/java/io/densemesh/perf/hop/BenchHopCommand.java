package io.densemesh.perf.hop;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-hop}: {@link HopBenchmark}. */
@Command(name = "bench-hop", sortOptions = false,
    description = "Forwarding hop and cold miss as an external client sees them: etcd, a floor"
        + " server and two node processes, driven by Python grpcio.")
public final class BenchHopCommand implements Callable<Integer> {

  @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
      description = "Measured rounds (targets interleaved, order rotated).")
  int rounds;
  @Option(names = "--warmup-seconds", defaultValue = "10", paramLabel = "S",
      description = "Warm-up per target before the rounds.")
  double warmupSeconds;
  @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
      description = "Measured seconds per target, concurrency and round.")
  double seconds;
  @Option(names = "--cold", defaultValue = "30", paramLabel = "N",
      description = "Fresh models for the cold-miss phase (0: none; the first 5 are warm-up).")
  int cold;
  @Option(names = "--python", defaultValue = "/usr/bin/python3", paramLabel = "PATH",
      description = "The Python with grpcio that runs the client.")
  String python;
  @Option(names = "--node-java-opts", defaultValue = "", paramLabel = "OPTS",
      description = "Extra JVM options for both nodes (a profiler), space-separated.")
  String nodeJavaOpts;
  @Option(names = "--out", defaultValue = "perf/results/hop-bench.csv", paramLabel = "FILE",
      description = "Results CSV.")
  Path out;

  @Override
  public Integer call() throws Exception {
    List<String> opts = nodeJavaOpts.isBlank() ? List.of()
        : Arrays.asList(nodeJavaOpts.trim().split("\\s+"));
    HopBenchmark.execute(rounds, warmupSeconds, seconds, cold, python, opts, out);
    return 0;
  }
}
