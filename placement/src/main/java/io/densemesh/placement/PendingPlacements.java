package io.densemesh.placement;

import java.util.Map;
import java.util.Objects;

/**
 * The loads a decider has itself placed since the snapshot it decides from was taken: per instance,
 * how many loads and how many bytes. A decider knows its own decisions exactly and immediately;
 * the snapshot reflects them only at its next refresh. Adding them to the stale view (the standard
 * fix for stale-view herding) keeps one decider from sending every decision of a snapshot period
 * to the same instance. Immutable; the caller drops entries once a snapshot taken after them
 * arrives.
 *
 * @param loads loads placed per instance id since the snapshot
 * @param bytes bytes placed per instance id since the snapshot
 */
public record PendingPlacements(Map<String, Integer> loads, Map<String, Long> bytes) {

  /** No pending decisions: policies see the snapshot as it is. */
  public static final PendingPlacements NONE = new PendingPlacements(Map.of(), Map.of());

  public PendingPlacements {
    loads = Map.copyOf(Objects.requireNonNull(loads, "loads"));
    bytes = Map.copyOf(Objects.requireNonNull(bytes, "bytes"));
    for (Map.Entry<String, Integer> e : loads.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException("pending loads must be >= 0 for " + e.getKey());
      }
    }
    for (Map.Entry<String, Long> e : bytes.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException("pending bytes must be >= 0 for " + e.getKey());
      }
    }
  }

  /** Whether nothing is pending. */
  public boolean isEmpty() {
    return loads.isEmpty() && bytes.isEmpty();
  }

  /**
   * The instance as it will look once this decider's pending loads land: their bytes added to the
   * memory in use, their count to the loads in progress. Unchanged when nothing is pending on it.
   */
  public InstanceView adjust(InstanceView instance) {
    int pendingLoads = loads.getOrDefault(instance.instanceId(), 0);
    long pendingBytes = bytes.getOrDefault(instance.instanceId(), 0L);
    if (pendingLoads == 0 && pendingBytes == 0) {
      return instance;
    }
    return instance.withUsage(
        instance.memoryUsedBytes() + pendingBytes,
        instance.loadsInProgress() + pendingLoads,
        instance.oldestUseMillis());
  }
}
