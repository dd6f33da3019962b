package io.densemesh.placement;

import java.util.Optional;

/**
 * Power of two choices over a view corrected by the decider's own decisions since the snapshot
 * ({@link PlacementRequest#pending()}).
 *
 * <p>Each feasible instance is first adjusted with {@link PendingPlacements#adjust}: the bytes and
 * loads this decider has already sent it are counted as used and in progress. Two distinct
 * instances are then drawn with the request's salt exactly as {@link PowerOfTwoChoicesPlacement}
 * draws them, and the better adjusted one by {@link Candidates#BEST_FIRST} wins. With no pending
 * decisions the answer equals {@code p2c}'s for the same salt. Only the decider's own decisions are
 * used: other deciders' are unknown to it until the next snapshot.
 */
public final class PendingAwarePlacement implements PlacementPolicy {

  @Override
  public Optional<String> choose(PlacementRequest request, ClusterSnapshot snapshot, long nowMillis) {
    return PowerOfTwoChoicesPlacement.chooseOfTwo(request, snapshot, request.pending()::adjust);
  }

  @Override
  public String toString() {
    return "p2c-pending";
  }
}
