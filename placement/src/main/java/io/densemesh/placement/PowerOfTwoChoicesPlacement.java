package io.densemesh.placement;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Anti-herding placement: sample two distinct feasible instances at random and take the better one
 * by {@link Candidates#BEST_FIRST}.
 *
 * <p>Mitzenmacher's power of two choices keeps most of the benefit of always taking the best while
 * spreading simultaneous decisions made from the same stale view: with n instances the best one is
 * picked with probability 2/n instead of 1, and the worst never. The randomness comes from
 * {@link PlacementRequest#salt()}, so the policy stays a pure function and tests are exact.
 */
public final class PowerOfTwoChoicesPlacement implements PlacementPolicy {

  @Override
  public Optional<String> choose(PlacementRequest request, ClusterSnapshot snapshot, long nowMillis) {
    return chooseOfTwo(request, snapshot, UnaryOperator.identity());
  }

  /**
   * The shared draw: two distinct feasible instances from the request's salt, each seen through
   * {@code view} before {@link Candidates#BEST_FIRST} compares them.
   */
  static Optional<String> chooseOfTwo(PlacementRequest request, ClusterSnapshot snapshot,
      UnaryOperator<InstanceView> view) {
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
    InstanceView a = view.apply(feasible.get(first));
    InstanceView b = view.apply(feasible.get(second));
    return Optional.of(Candidates.BEST_FIRST.compare(a, b) <= 0 ? a.instanceId() : b.instanceId());
  }

  @Override
  public String toString() {
    return "p2c";
  }
}
