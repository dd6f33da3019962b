package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CostAwareEvictionPolicyTest {

  private static final long MIN = 60_000;
  private final CostAwareEvictionPolicy policy = new CostAwareEvictionPolicy(10 * MIN);

  private static ResidentCopy copy(String id, long size, long lastUsed, long uses, long loadMillis) {
    return new ResidentCopy(id, size, lastUsed, 0, false, uses, loadMillis);
  }

  @Test
  void evictsTheLargeCheapRarelyUsedCopyBeforeTheSmallExpensiveFrequentOne() {
    // Same last use: only frequency x reload cost / size decides.
    List<ResidentCopy> resident =
        List.of(
            copy("small-hot", 100, 0, 50, 2_000),
            copy("big-cold", 1_000, 0, 1, 2_000),
            copy("mid", 500, 0, 5, 2_000));

    EvictionPlan plan = policy.victims(resident, 600, 0);

    assertThat(plan.victims()).containsExactly("big-cold");
    assertThat(plan.bytesFreed()).isEqualTo(1_000);
  }

  @Test
  void frequencyBuysBoundedIdleTime() {
    // 8 uses = 3 half-lives of credit. Idle 20 min (2 half-lives) still beats a fresh single use;
    // idle 40 min (4 half-lives) does not.
    ResidentCopy fresh = copy("fresh", 100, 40 * MIN, 1, 1_000);
    ResidentCopy idle20 = copy("idle20", 100, 20 * MIN, 8, 1_000);
    ResidentCopy idle40 = copy("idle40", 100, 0, 8, 1_000);

    assertThat(policy.victims(List.of(fresh, idle20), 100, 40 * MIN).victims())
        .containsExactly("fresh");
    assertThat(policy.victims(List.of(fresh, idle40), 100, 40 * MIN).victims())
        .containsExactly("idle40");
  }

  @Test
  void orderDoesNotDependOnTheCurrentTime() {
    List<ResidentCopy> resident =
        List.of(copy("a", 300, 5 * MIN, 3, 900), copy("b", 100, 9 * MIN, 1, 400), copy("c", 50, 0, 9, 100));

    EvictionPlan early = policy.victims(resident, 120, 10 * MIN);
    EvictionPlan late = policy.victims(resident, 120, 500 * MIN);

    assertThat(late).isEqualTo(early);
  }

  @Test
  void skipsCopiesInUseAndProtectedAndTakesOnlyTheDeficit() {
    List<ResidentCopy> resident =
        List.of(
            new ResidentCopy("busy", 1_000, 0, 1, false, 1, 100),
            new ResidentCopy("min-copy", 1_000, 0, 0, true, 1, 100),
            copy("x", 100, 0, 1, 100),
            copy("y", 100, 1, 1, 100),
            copy("z", 100, 2, 1, 100));

    EvictionPlan plan = policy.victims(resident, 150, 10);

    assertThat(plan.victims()).containsExactly("x", "y");
    assertThat(plan.sufficient()).isTrue();
  }

  @Test
  void rejectsNonPositiveHalfLife() {
    assertThatThrownBy(() -> new CostAwareEvictionPolicy(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("halfLifeMillis");
  }
}
