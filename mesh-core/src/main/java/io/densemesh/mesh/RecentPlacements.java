package io.densemesh.mesh;

import io.densemesh.placement.PendingPlacements;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The copies this node placed in the last moments, which other nodes' instance records do not
 * show yet (they are republished at most once a second). Placement adds them to the stale view,
 * so one node's burst of misses spreads over the mesh instead of landing on whichever node looked
 * emptiest at the last refresh.
 */
final class RecentPlacements {

  /** Longer than one publish period plus propagation: by then the records include the load. */
  static final long HORIZON_MILLIS = 2_000;

  private record Placement(String instanceId, long bytes, long atMillis) {}

  private final Clock clock;
  private final Deque<Placement> recent = new ArrayDeque<>();

  RecentPlacements(Clock clock) {
    this.clock = clock;
  }

  synchronized void add(String instanceId, long bytes) {
    recent.addLast(new Placement(instanceId, bytes, clock.millis()));
  }

  /**
   * This node's recent placements, merged with the loads other nodes started recently (their
   * LOADING copy records reach this node's view within milliseconds, while their instance
   * records catch up only at the next publish): per instance, the larger of the two counts, so
   * this node's own placements (which show in both) are not counted twice.
   *
   * @param othersLoading recent LOADING copies per instance seen in the view
   * @param typicalBytes size assumed per such load
   */
  synchronized PendingPlacements pending(Map<String, Integer> othersLoading, long typicalBytes) {
    PendingPlacements own = pending();
    if (othersLoading.isEmpty()) {
      return own;
    }
    Map<String, Integer> loads = new HashMap<>(own.loads());
    Map<String, Long> bytes = new HashMap<>(own.bytes());
    othersLoading.forEach((instance, n) -> {
      if (n > loads.getOrDefault(instance, 0)) {
        loads.put(instance, n);
        bytes.put(instance, Math.max(bytes.getOrDefault(instance, 0L), n * typicalBytes));
      }
    });
    return new PendingPlacements(loads, bytes);
  }

  synchronized PendingPlacements pending() {
    long cutoff = clock.millis() - HORIZON_MILLIS;
    while (!recent.isEmpty() && recent.peekFirst().atMillis() < cutoff) {
      recent.removeFirst();
    }
    if (recent.isEmpty()) {
      return PendingPlacements.NONE;
    }
    Map<String, Integer> loads = new HashMap<>();
    Map<String, Long> bytes = new HashMap<>();
    for (Placement p : recent) {
      loads.merge(p.instanceId(), 1, Integer::sum);
      bytes.merge(p.instanceId(), p.bytes(), Long::sum);
    }
    return new PendingPlacements(loads, bytes);
  }
}
