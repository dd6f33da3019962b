package io.densemesh.placement;

import java.util.Optional;

/**
 * The ModelMesh-like baseline: every decider ranks feasible instances by the same global order
 * ({@link Candidates#BEST_FIRST}) and takes the first. Deciders holding the same stale snapshot
 * therefore all pick the same instance until the snapshot refreshes: the herding this module is
 * meant to avoid. Kept as the comparison point.
 */
public final class GlobalOrderPlacement implements PlacementPolicy {

  @Override
  public Optional<String> choose(PlacementRequest request, ClusterSnapshot snapshot, long nowMillis) {
    InstanceView best = null;
    for (InstanceView candidate : Candidates.feasible(request, snapshot)) {
      if (best == null || Candidates.BEST_FIRST.compare(candidate, best) < 0) {
        best = candidate;
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.instanceId());
  }

  @Override
  public String toString() {
    return "global-order";
  }
}
