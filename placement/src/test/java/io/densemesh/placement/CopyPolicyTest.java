package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CopyPolicyTest {

  private static ModelDemand demand(int min, int max, boolean pinned) {
    return new ModelDemand("m", "t", 100, false, 0, 100, min, max, pinned, Map.of());
  }

  private static ModelUsage usage(long lastUsed, double rate, int copies) {
    return new ModelUsage("m", lastUsed, rate, copies);
  }

  @Test
  void rateCopiesFollowDemandWithinBounds() {
    RateCopyPolicy policy = new RateCopyPolicy(50, 0);

    assertThat(policy.target(demand(0, 4, false), usage(1_000, 10, 1), 1_000)).isEqualTo(1);
    assertThat(policy.target(demand(0, 4, false), usage(1_000, 120, 1), 1_000)).isEqualTo(3);
    assertThat(policy.target(demand(0, 4, false), usage(1_000, 900, 3), 1_000)).isEqualTo(4);
    assertThat(policy.target(demand(2, 4, false), usage(1_000, 1, 2), 1_000)).isEqualTo(2);
  }

  @Test
  void modelsWithoutCopiesLoadOnDemandUnlessTheyHaveAFloor() {
    RateCopyPolicy policy = new RateCopyPolicy(50, 0);

    assertThat(policy.target(demand(0, 4, false), usage(0, 500, 0), 10)).isZero();
    assertThat(policy.target(demand(1, 4, false), usage(0, 0, 0), 10)).isEqualTo(1);
    assertThat(policy.target(demand(0, 4, true), usage(0, 0, 0), 10)).isEqualTo(1);
  }

  @Test
  void idleTtlDropsToTheFloor() {
    RateCopyPolicy policy = new RateCopyPolicy(50, 60_000);

    assertThat(policy.target(demand(0, 4, false), usage(0, 0, 1), 59_999)).isEqualTo(1);
    assertThat(policy.target(demand(0, 4, false), usage(0, 0, 1), 60_000)).isZero();
    assertThat(policy.target(demand(0, 4, true), usage(0, 0, 1), 60_000)).isEqualTo(1);
  }

  @Test
  void fixedPolicyAddsExactlyOneSecondCopyAtTheThreshold() {
    FixedCopyPolicy policy = new FixedCopyPolicy(20, 0);

    assertThat(policy.target(demand(0, 5, false), usage(0, 19.9, 1), 0)).isEqualTo(1);
    assertThat(policy.target(demand(0, 5, false), usage(0, 20, 1), 0)).isEqualTo(2);
    assertThat(policy.target(demand(0, 5, false), usage(0, 5_000, 2), 0)).isEqualTo(2);
    assertThat(policy.target(demand(0, 1, false), usage(0, 5_000, 1), 0)).isEqualTo(1);
  }
}
