package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LruEvictionPolicyTest {

  private final LruEvictionPolicy policy = new LruEvictionPolicy();

  private static ResidentCopy copy(String id, long size, long lastUsed) {
    return new ResidentCopy(id, size, lastUsed, 0, false, 1, 10);
  }

  @Test
  void evictsOldestFirstAndOnlyTheDeficit() {
    List<ResidentCopy> resident =
        List.of(copy("a", 100, 30), copy("b", 100, 10), copy("c", 100, 20), copy("d", 100, 40));

    EvictionPlan plan = policy.victims(resident, 150, 50);

    assertThat(plan.sufficient()).isTrue();
    assertThat(plan.victims()).containsExactly("b", "c");
    assertThat(plan.bytesFreed()).isEqualTo(200);
  }

  @Test
  void neverEvictsCopiesInUseOrProtected() {
    List<ResidentCopy> resident =
        List.of(
            new ResidentCopy("busy", 100, 1, 2, false, 1, 10),
            new ResidentCopy("pinned", 100, 2, 0, true, 1, 10),
            copy("idle", 100, 3));

    EvictionPlan plan = policy.victims(resident, 100, 50);

    assertThat(plan.victims()).containsExactly("idle");
  }

  @Test
  void evictsNothingWhenTheDeficitCannotBeCovered() {
    List<ResidentCopy> resident =
        List.of(new ResidentCopy("busy", 500, 1, 1, false, 1, 10), copy("idle", 100, 3));

    EvictionPlan plan = policy.victims(resident, 300, 50);

    assertThat(plan.sufficient()).isFalse();
    assertThat(plan.victims()).isEmpty();
  }

  @Test
  void noDeficitMeansNoVictims() {
    assertThat(policy.victims(List.of(copy("a", 1, 1)), 0, 5)).isEqualTo(EvictionPlan.none());
  }
}
