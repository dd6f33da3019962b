package io.densemesh.placement;

import java.util.Objects;

/**
 * Cluster-wide usage of one model, as recorded in the snapshot.
 *
 * @param modelId the model
 * @param lastUsedMillis epoch millis of its latest use on any instance
 * @param ratePerSecond recent request rate (the caller decides the averaging)
 * @param copies copies resident or loading now
 */
public record ModelUsage(String modelId, long lastUsedMillis, double ratePerSecond, int copies) {

  public ModelUsage {
    Objects.requireNonNull(modelId, "modelId");
    if (ratePerSecond < 0 || copies < 0) {
      throw new IllegalArgumentException("rate and copies must be >= 0 for model " + modelId);
    }
  }
}
