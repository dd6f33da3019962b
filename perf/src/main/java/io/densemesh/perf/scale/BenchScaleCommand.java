package io.densemesh.perf.scale;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-scale}: {@link ScaleBenchmark}. */
@Command(name = "bench-scale", sortOptions = false,
    description = "Scale: etcd and 3 node processes, --models registered, memory, idle CPU and"
        + " cold/hot latency.")
public final class BenchScaleCommand implements Callable<Integer> {

  @Option(names = "--models", defaultValue = "100000", paramLabel = "N",
      description = "Models registered.")
  int models;
  @Option(names = "--concurrency", defaultValue = "64", paramLabel = "N",
      description = "Registrations in flight.")
  int concurrency;
  @Option(names = "--idle-seconds", defaultValue = "60", paramLabel = "S",
      description = "Seconds of idle CPU measured.")
  int idleSeconds;
  @Option(names = "--cold", defaultValue = "1000", paramLabel = "N",
      description = "Never-loaded models requested (cold latency).")
  int cold;
  @Option(names = "--hot", defaultValue = "100", paramLabel = "N",
      description = "Of those, requested again (hot latency).")
  int hot;
  @Option(names = "--heap", defaultValue = "1g", paramLabel = "SIZE",
      description = "Each node process's -Xmx.")
  String heap;
  @Option(names = "--out", defaultValue = "perf/results/scale-bench.csv", paramLabel = "FILE",
      description = "Results CSV.")
  Path out;

  @Override
  public Integer call() throws Exception {
    ScaleBenchmark.execute(models, concurrency, idleSeconds, cold, hot, heap, out);
    return 0;
  }
}
