package io.densemesh.placement;

import java.util.Map;
import java.util.Objects;

/**
 * One serving instance as the placement decision sees it, possibly some seconds stale.
 *
 * @param instanceId unique id of the instance
 * @param zone failure zone, empty when unknown
 * @param labels instance labels that a model's required labels must match
 * @param memoryCapacityBytes model memory of the instance
 * @param memoryUsedBytes memory held by resident and loading copies
 * @param gpuCapacityBytes GPU memory, 0 when the instance has no GPU
 * @param gpuUsedBytes GPU memory in use
 * @param loadingSlots how many loads the instance runs at once
 * @param loadsInProgress loads running or queued on the instance
 * @param draining true while the instance is shutting down; it takes no new copies
 * @param inFlight requests running on the instance
 * @param oldestUseMillis last use of the instance's least recently used copy ({@code Long.MAX_VALUE}
 *     when it holds none): an old value means cheap room
 */
public record InstanceView(
    String instanceId,
    String zone,
    Map<String, String> labels,
    long memoryCapacityBytes,
    long memoryUsedBytes,
    long gpuCapacityBytes,
    long gpuUsedBytes,
    int loadingSlots,
    int loadsInProgress,
    boolean draining,
    int inFlight,
    long oldestUseMillis) {

  public InstanceView {
    Objects.requireNonNull(instanceId, "instanceId");
    zone = zone == null ? "" : zone;
    labels = Map.copyOf(labels);
    if (memoryCapacityBytes < 0 || memoryUsedBytes < 0 || gpuCapacityBytes < 0 || gpuUsedBytes < 0) {
      throw new IllegalArgumentException("byte counts must be >= 0 for instance " + instanceId);
    }
    if (loadingSlots < 1) {
      throw new IllegalArgumentException("loadingSlots must be >= 1: " + loadingSlots);
    }
  }

  /** A plain memory-only instance, the common case in tests and the simulator. */
  public static InstanceView of(String id, long capacityBytes, long usedBytes) {
    return new InstanceView(
        id, "", Map.of(), capacityBytes, usedBytes, 0, 0, 1, 0, false, 0, Long.MAX_VALUE);
  }

  /** Memory not held by any copy. May be negative when the view is stale. */
  public long freeMemoryBytes() {
    return memoryCapacityBytes - memoryUsedBytes;
  }

  /** Whether the instance could ever hold the model, evicting everything else if needed. */
  public boolean canEverHold(ModelDemand demand) {
    return memoryCapacityBytes >= demand.sizeBytes() && gpuCapacityBytes >= demand.gpuBytes();
  }

  /** Whether every label the model requires is present with the same value. */
  public boolean matches(Map<String, String> requiredLabels) {
    for (Map.Entry<String, String> e : requiredLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** A copy of this view with different usage, for tests and simulators. */
  public InstanceView withUsage(long usedBytes, int loads, long oldestUse) {
    return new InstanceView(
        instanceId, zone, labels, memoryCapacityBytes, usedBytes, gpuCapacityBytes, gpuUsedBytes,
        loadingSlots, loads, draining, inFlight, oldestUse);
  }
}
