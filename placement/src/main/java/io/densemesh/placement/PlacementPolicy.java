package io.densemesh.placement;

import java.util.Optional;

/**
 * Chooses the instance that loads a new copy of a model.
 *
 * <p>Contract: only feasible instances ({@link Candidates#feasible}) are chosen; empty when there
 * is none. Pure: the same request, snapshot and time give the same answer.
 */
public interface PlacementPolicy {

  /** The chosen instance id, or empty when no instance can host the model. */
  Optional<String> choose(PlacementRequest request, ClusterSnapshot snapshot, long nowMillis);
}
