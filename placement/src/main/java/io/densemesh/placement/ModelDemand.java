package io.densemesh.placement;

import java.util.Map;
import java.util.Objects;

/**
 * What one model needs from the cluster.
 *
 * @param modelId the model
 * @param tenant owner, for per-tenant quotas
 * @param sizeBytes memory a copy takes, measured after a previous load or predicted
 * @param sizePredicted true when {@code sizeBytes} is a prediction (never loaded yet)
 * @param gpuBytes GPU memory a copy takes, 0 for CPU models
 * @param loadMillis measured (or predicted) time to load a copy
 * @param minCopies copies to keep even when idle; such copies are never evicted
 * @param maxCopies upper bound on copies
 * @param pinned keep resident regardless of use (implies at least one copy)
 * @param requiredLabels labels an instance must carry to host the model
 */
public record ModelDemand(
    String modelId,
    String tenant,
    long sizeBytes,
    boolean sizePredicted,
    long gpuBytes,
    long loadMillis,
    int minCopies,
    int maxCopies,
    boolean pinned,
    Map<String, String> requiredLabels) {

  public ModelDemand {
    Objects.requireNonNull(modelId, "modelId");
    tenant = tenant == null ? "" : tenant;
    requiredLabels = Map.copyOf(requiredLabels);
    if (sizeBytes < 0 || gpuBytes < 0 || loadMillis < 0) {
      throw new IllegalArgumentException("size, gpu and load time must be >= 0 for " + modelId);
    }
    if (minCopies < 0 || maxCopies < 1 || minCopies > maxCopies) {
      throw new IllegalArgumentException(
          "copies must satisfy 0 <= min <= max, max >= 1 for " + modelId
              + ": min=" + minCopies + " max=" + maxCopies);
    }
  }

  /** A plain CPU model with default copy bounds (0..2), for tests and simulators. */
  public static ModelDemand of(String modelId, String tenant, long sizeBytes, long loadMillis) {
    return new ModelDemand(modelId, tenant, sizeBytes, false, 0, loadMillis, 0, 2, false, Map.of());
  }

  /** The least number of copies the model must keep: pinning implies one. */
  public int floorCopies() {
    return pinned ? Math.max(1, minCopies) : minCopies;
  }
}
