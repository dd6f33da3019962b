package io.densemesh.runtime.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a node stores model artifacts.
 *
 * @param pvcRoot where PVCs are mounted: {@code pvc://claim/path} is {@code pvcRoot/claim/path}
 * @param cacheDir the disk cache of downloaded artifacts
 * @param cacheBytes the disk cache's bound
 * @param limits per-download size and time limits
 * @param sources which local paths and hosts registrations may name
 */
public record StorageOptions(Path pvcRoot, Path cacheDir, long cacheBytes, TransferLimits limits,
    SourcePolicy sources) {

  public StorageOptions {
    Objects.requireNonNull(pvcRoot, "pvcRoot");
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(sources, "sources");
    if (cacheBytes < 1) {
      throw new IllegalArgumentException("cacheBytes must be >= 1");
    }
  }
}
