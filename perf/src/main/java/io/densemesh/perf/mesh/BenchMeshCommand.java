package io.densemesh.perf.mesh;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-mesh}: {@link MeshBenchmark}. */
@Command(name = "bench-mesh", sortOptions = false,
    description = "Two nodes on a real etcd (needs etcd on the PATH or ETCD_BIN): forwarding hop,"
        + " registry propagation, miss overhead, registration rate.")
public final class BenchMeshCommand implements Callable<Integer> {

  @Option(names = "--models", defaultValue = "10000", paramLabel = "N",
      description = "Models registered in the registration phase.")
  int models;
  @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
      description = "Measured seconds of the hop phase.")
  int seconds;
  @Option(names = "--out", defaultValue = "perf/results/mesh-bench.csv", paramLabel = "FILE",
      description = "Results CSV.")
  Path out;

  @Override
  public Integer call() throws Exception {
    MeshBenchmark.execute(models, seconds, out);
    return 0;
  }
}
