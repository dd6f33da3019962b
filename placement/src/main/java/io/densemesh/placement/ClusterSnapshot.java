package io.densemesh.placement;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable view of the cluster that a placement decision reads. Taken at
 * {@code takenAtMillis}; deciders on different instances may hold the same (stale) snapshot, which
 * is why placement must not let them all pick the same instance.
 *
 * @param takenAtMillis when the view was assembled
 * @param instances every known instance, in a stable order
 * @param usage per-model usage, keyed by model id; models never used are absent
 */
public record ClusterSnapshot(
    long takenAtMillis, List<InstanceView> instances, Map<String, ModelUsage> usage) {

  public ClusterSnapshot {
    instances = List.copyOf(instances);
    usage = Map.copyOf(usage);
  }

  public static ClusterSnapshot of(long takenAtMillis, List<InstanceView> instances) {
    return new ClusterSnapshot(takenAtMillis, instances, Map.of());
  }

  public Optional<ModelUsage> usageOf(String modelId) {
    return Optional.ofNullable(usage.get(modelId));
  }
}
