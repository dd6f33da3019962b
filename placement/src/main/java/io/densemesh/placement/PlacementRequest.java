package io.densemesh.placement;

import java.util.Objects;
import java.util.Set;

/**
 * One "where does a new copy of this model go" question.
 *
 * @param demand the model
 * @param excludedInstances instances that must not be chosen (they already hold or are loading a
 *     copy, or just failed it); fresher than the snapshot
 * @param salt caller-supplied randomness for randomized policies, so that the decision stays a pure
 *     function: the same salt gives the same answer, different deciders pass different salts
 * @param pending the loads this decider has itself placed since the snapshot was taken; read only
 *     by pending-aware policies ({@link PendingAwarePlacement}), ignored by the others
 */
public record PlacementRequest(
    ModelDemand demand, Set<String> excludedInstances, long salt, PendingPlacements pending) {

  public PlacementRequest {
    Objects.requireNonNull(demand, "demand");
    excludedInstances = Set.copyOf(excludedInstances);
    pending = pending == null ? PendingPlacements.NONE : pending;
  }

  /** A request with no pending decisions. */
  public PlacementRequest(ModelDemand demand, Set<String> excludedInstances, long salt) {
    this(demand, excludedInstances, salt, PendingPlacements.NONE);
  }
}
