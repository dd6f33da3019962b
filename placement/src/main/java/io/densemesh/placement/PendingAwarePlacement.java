package io.densemesh.placement;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

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
    List<InstanceView> feasible = Candidates.feasible(request, snapshot);
    int n = feasible.size();
    if (n == 0) {
      return Optional.empty();
    }
    if (n == 1) {
      return Optional.of(feasible.get(0).instanceId());
    }
    SplittableRandom random = new SplittableRandom(request.salt());
    int first = random.nextInt(n);
    int second = random.nextInt(n - 1);
    if (second >= first) {
      second++;
    }
    PendingPlacements pending = request.pending();
    InstanceView a = pending.adjust(feasible.get(first));
    InstanceView b = pending.adjust(feasible.get(second));
    return Optional.of(Candidates.BEST_FIRST.compare(a, b) <= 0 ? a.instanceId() : b.instanceId());
  }

  @Override
  public String toString() {
    return "p2c-pending";
  }
}
