package io.densemesh.perf.soak;

import io.densemesh.cli.support.ByteSizeConverter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-soak}: {@link SoakBenchmark}. */
@Command(name = "bench-soak", sortOptions = false,
    description = "Soak: a 3-node mesh on etcd, Zipf traffic, registrations and faults on a"
        + " schedule.")
public final class BenchSoakCommand implements Callable<Integer> {

  @Option(names = "--minutes", defaultValue = "30", paramLabel = "N",
      description = "How long the soak runs (at least 1).")
  int minutes;
  @Option(names = "--models", defaultValue = "10000", paramLabel = "N",
      description = "Models registered.")
  int models;
  @Option(names = "--clients", defaultValue = "8", paramLabel = "N",
      description = "Closed-loop clients.")
  int clients;
  @Option(names = "--capacity", defaultValue = "8m", paramLabel = "SIZE",
      converter = ByteSizeConverter.class, description = "Each node's memory budget.")
  long capacity;
  @Option(names = "--zipf", defaultValue = "1.0", paramLabel = "S",
      description = "Popularity skew of the traffic.")
  double zipf;
  @Option(names = "--out", defaultValue = "perf/results/soak.csv", paramLabel = "FILE",
      description = "Results CSV.")
  Path out;

  @Override
  public Integer call() throws Exception {
    SoakBenchmark.execute(minutes, models, clients, Long.toString(capacity), zipf, out);
    return 0;
  }
}
