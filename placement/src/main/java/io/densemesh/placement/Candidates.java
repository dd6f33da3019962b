package io.densemesh.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Feasibility and preference among instances, shared by every placement policy so that policies
 * differ only in how they pick among the feasible ones.
 */
public final class Candidates {

  /**
   * Best instance first: most free memory, then the oldest least-recently-used copy (room that is
   * cheap to make), then fewest loads in progress, then id. This is the single global order that a
   * ModelMesh-like placer uses.
   */
  public static final Comparator<InstanceView> BEST_FIRST =
      (a, b) -> {
        int c = Long.compare(b.freeMemoryBytes(), a.freeMemoryBytes());
        if (c == 0) {
          c = Long.compare(a.oldestUseMillis(), b.oldestUseMillis());
        }
        if (c == 0) {
          c = Integer.compare(a.loadsInProgress(), b.loadsInProgress());
        }
        return c != 0 ? c : a.instanceId().compareTo(b.instanceId());
      };

  private Candidates() {}

  /**
   * Instances that can take the model: not draining, labels match, not excluded, and big enough
   * to hold it once everything evictable is gone. Keeps the snapshot's order.
   */
  public static List<InstanceView> feasible(PlacementRequest request, ClusterSnapshot snapshot) {
    ModelDemand demand = request.demand();
    List<InstanceView> out = new ArrayList<>(snapshot.instances().size());
    for (InstanceView instance : snapshot.instances()) {
      if (!instance.draining()
          && !request.excludedInstances().contains(instance.instanceId())
          && instance.canEverHold(demand)
          && instance.matches(demand.requiredLabels())) {
        out.add(instance);
      }
    }
    return out;
  }
}
