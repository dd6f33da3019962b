package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementPolicyTest {

  private static final ModelDemand MODEL = ModelDemand.of("m", "t", 100, 1_000);

  private static InstanceView instance(String id, long capacity, long used, long oldestUse) {
    return InstanceView.of(id, capacity, used).withUsage(used, 0, oldestUse);
  }

  private static final ClusterSnapshot SNAPSHOT =
      ClusterSnapshot.of(
          0,
          List.of(
              instance("a", 1_000, 900, 50),
              instance("b", 1_000, 400, 10),
              instance("c", 1_000, 400, 20),
              instance("d", 1_000, 700, 5)));

  private static PlacementRequest request(long salt) {
    return new PlacementRequest(MODEL, Set.of(), salt);
  }

  @Test
  void globalOrderTakesMostFreeThenOldestLru() {
    Optional<String> chosen = new GlobalOrderPlacement().choose(request(1), SNAPSHOT, 0);

    assertThat(chosen).contains("b");
  }

  @Test
  void globalOrderGivesEveryDeciderTheSameAnswer() {
    GlobalOrderPlacement policy = new GlobalOrderPlacement();
    for (long salt = 0; salt < 50; salt++) {
      assertThat(policy.choose(request(salt), SNAPSHOT, 0)).contains("b");
    }
  }

  @Test
  void feasibilityExcludesDrainingMismatchedTooSmallAndExcluded() {
    ModelDemand gpuModel =
        new ModelDemand("g", "t", 100, false, 0, 10, 0, 1, false, Map.of("accel", "gpu"));
    InstanceView draining =
        new InstanceView("drain", "", Map.of("accel", "gpu"), 1_000, 0, 0, 0, 1, 0, true, 0, 0);
    InstanceView cpu = new InstanceView("cpu", "", Map.of(), 1_000, 0, 0, 0, 1, 0, false, 0, 0);
    InstanceView tiny =
        new InstanceView("tiny", "", Map.of("accel", "gpu"), 50, 0, 0, 0, 1, 0, false, 0, 0);
    InstanceView holder =
        new InstanceView("holder", "", Map.of("accel", "gpu"), 1_000, 0, 0, 0, 1, 0, false, 0, 0);
    InstanceView ok =
        new InstanceView("ok", "", Map.of("accel", "gpu"), 1_000, 900, 0, 0, 1, 0, false, 0, 0);
    ClusterSnapshot snapshot = ClusterSnapshot.of(0, List.of(draining, cpu, tiny, holder, ok));
    PlacementRequest request = new PlacementRequest(gpuModel, Set.of("holder"), 7);

    assertThat(Candidates.feasible(request, snapshot)).extracting(InstanceView::instanceId)
        .containsExactly("ok");
    assertThat(new PowerOfTwoChoicesPlacement().choose(request, snapshot, 0)).contains("ok");
    assertThat(new GlobalOrderPlacement().choose(request, snapshot, 0)).contains("ok");
  }

  @Test
  void nothingFeasibleMeansEmpty() {
    ModelDemand huge = ModelDemand.of("huge", "t", 5_000, 10);
    PlacementRequest request = new PlacementRequest(huge, Set.of(), 1);

    assertThat(new PowerOfTwoChoicesPlacement().choose(request, SNAPSHOT, 0)).isEmpty();
    assertThat(new GlobalOrderPlacement().choose(request, SNAPSHOT, 0)).isEmpty();
  }

  @Test
  void powerOfTwoIsExactForAGivenSaltAndNeverPicksTheWorst() {
    PowerOfTwoChoicesPlacement policy = new PowerOfTwoChoicesPlacement();
    Optional<String> first = policy.choose(request(42), SNAPSHOT, 0);

    assertThat(policy.choose(request(42), SNAPSHOT, 0)).isEqualTo(first);
    for (long salt = 0; salt < 500; salt++) {
      assertThat(policy.choose(request(salt), SNAPSHOT, 0)).isNotEqualTo(Optional.of("a"));
    }
  }

  @Test
  void powerOfTwoSpreadsDecisionsMadeFromOneStaleSnapshot() {
    PowerOfTwoChoicesPlacement policy = new PowerOfTwoChoicesPlacement();
    Map<String, Integer> counts = new HashMap<>();
    int decisions = 4_000;
    for (long salt = 0; salt < decisions; salt++) {
      counts.merge(policy.choose(request(salt), SNAPSHOT, 0).orElseThrow(), 1, Integer::sum);
    }
    // Ranks b > c > d > a: picked with probability 3/6, 2/6, 1/6, 0 for distinct pairs.
    assertThat(counts.get("b")).isBetween(1_850, 2_150);
    assertThat(counts.get("c")).isBetween(1_180, 1_480);
    assertThat(counts.get("d")).isBetween(520, 820);
    assertThat(counts).doesNotContainKey("a");
  }
}
