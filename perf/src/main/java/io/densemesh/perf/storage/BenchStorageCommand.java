package io.densemesh.perf.storage;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code densemesh bench-storage}: {@link StorageBenchmark}. */
@Command(name = "bench-storage", sortOptions = false,
    description = "Model storage: local disk, S3 on loopback and the disk cache, per artifact"
        + " size.")
public final class BenchStorageCommand implements Callable<Integer> {

  @Option(names = "--sizes", defaultValue = "1,10,100", split = ",", paramLabel = "MB,...",
      description = "Artifact sizes in MiB.")
  int[] sizes;
  @Option(names = "--repeats", defaultValue = "3", paramLabel = "N",
      description = "Loads per size and source.")
  int repeats;
  @Option(names = "--clients", defaultValue = "2", paramLabel = "N",
      description = "Clients of the hot model while loads run.")
  int clients;
  @Option(names = "--quiet-seconds", defaultValue = "3", paramLabel = "S",
      description = "Seconds of hot traffic measured without loads.")
  int quietSeconds;

  @Override
  public Integer call() throws Exception {
    StorageBenchmark.execute(sizes, repeats, clients, quietSeconds);
    return 0;
  }
}
