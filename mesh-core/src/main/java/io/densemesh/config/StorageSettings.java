package io.densemesh.config;

import io.densemesh.units.ByteSizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a node finds and keeps model artifacts; see docs/configuration.md.
 *
 * @param storageConfig the mounted {@code storage-config} secret (a directory, one file per key)
 *     or a JSON file; empty for none
 * @param pvcRoot where PVCs are mounted ({@code pvc://claim/path} → {@code pvcRoot/claim/path})
 * @param artifactCacheDir disk cache of downloaded artifacts
 * @param artifactCacheBytes the disk cache's bound
 * @param maxArtifactBytes the largest artifact one download may bring
 * @param downloadTimeout the longest one download may take
 * @param modelRoots directories local model sources must lie under
 * @param allowHosts hosts {@code http(s)} model sources may name (entries of
 *     {@code --storage-allow-hosts}: host, {@code *.domain}, IP, CIDR or {@code *}); empty: none
 */
public record StorageSettings(
    Optional<Path> storageConfig,
    Path pvcRoot,
    Path artifactCacheDir,
    long artifactCacheBytes,
    long maxArtifactBytes,
    Duration downloadTimeout,
    List<Path> modelRoots,
    List<String> allowHosts) {

  public StorageSettings {
    Objects.requireNonNull(storageConfig, "storageConfig");
    Objects.requireNonNull(pvcRoot, "pvcRoot");
    Objects.requireNonNull(artifactCacheDir, "artifactCacheDir");
    Objects.requireNonNull(downloadTimeout, "downloadTimeout");
    modelRoots = List.copyOf(modelRoots);
    allowHosts = List.copyOf(allowHosts);
    require(!modelRoots.isEmpty(), "--model-roots must name at least one directory");
    try {
      new io.densemesh.runtime.storage.HostAllowList(allowHosts);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--storage-allow-hosts: " + e.getMessage());
    }
    require(artifactCacheBytes >= 1 << 20,
        "--artifact-cache-size must be at least 1m, got " + artifactCacheBytes);
    require(maxArtifactBytes >= 1, "--max-artifact-size must be >= 1");
    require(maxArtifactBytes <= artifactCacheBytes,
        "--max-artifact-size (" + ByteSizes.format(maxArtifactBytes)
            + ") must not exceed --artifact-cache-size (" + ByteSizes.format(artifactCacheBytes)
            + "): downloads land in the cache");
    require(!downloadTimeout.isNegative() && !downloadTimeout.isZero(),
        "--download-timeout must be > 0");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
