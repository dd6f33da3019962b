package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PendingAwarePlacementTest {

  private static final ModelDemand MODEL = ModelDemand.of("m", "t", 100, 1_000);
  private static final PendingAwarePlacement POLICY = new PendingAwarePlacement();

  private static InstanceView instance(String id, long used, long oldestUse) {
    return InstanceView.of(id, 1_000, used).withUsage(used, 0, oldestUse);
  }

  // Best first: b (600 free, LRU 10), c (600 free, LRU 20), d (300 free), a (100 free).
  private static final ClusterSnapshot SNAPSHOT =
      ClusterSnapshot.of(
          0,
          List.of(
              instance("a", 900, 50),
              instance("b", 400, 10),
              instance("c", 400, 20),
              instance("d", 700, 5)));

  private static PlacementRequest request(long salt, PendingPlacements pending) {
    return new PlacementRequest(MODEL, Set.of(), salt, pending);
  }

  @Test
  void withoutPendingDecisionsItAnswersExactlyAsP2c() {
    PowerOfTwoChoicesPlacement p2c = new PowerOfTwoChoicesPlacement();
    for (long salt = 0; salt < 200; salt++) {
      assertThat(POLICY.choose(request(salt, PendingPlacements.NONE), SNAPSHOT, 0))
          .isEqualTo(p2c.choose(new PlacementRequest(MODEL, Set.of(), salt), SNAPSHOT, 0));
    }
  }

  @Test
  void exactChoicesWithAndWithoutAPendingLoadOnTheStaleBest() {
    PendingPlacements onB = new PendingPlacements(Map.of("b", 1), Map.of("b", 300L));
    String[] without = {"b", "b", "b", "c", "c", "d", "d", "b"};
    // Salt 0 draws {b, c}: b's pending 300 bytes leave it 300 free, so c wins.
    String[] with = {"c", "b", "b", "c", "c", "d", "d", "b"};
    for (int salt = 0; salt < without.length; salt++) {
      assertThat(POLICY.choose(request(salt, PendingPlacements.NONE), SNAPSHOT, 0))
          .as("salt %d without pending", salt)
          .contains(without[salt]);
      assertThat(POLICY.choose(request(salt, onB), SNAPSHOT, 0))
          .as("salt %d with pending on b", salt)
          .contains(with[salt]);
    }
  }

  @Test
  void pendingBytesTurnTheOrderOfTwoInstances() {
    ClusterSnapshot two = ClusterSnapshot.of(0, List.of(instance("x", 400, 0), instance("y", 500, 0)));
    assertThat(POLICY.choose(request(3, PendingPlacements.NONE), two, 0)).contains("x");
    PendingPlacements onX = new PendingPlacements(Map.of("x", 1), Map.of("x", 200L));
    assertThat(POLICY.choose(request(3, onX), two, 0)).contains("y");
  }

  @Test
  void pendingLoadsBreakATieOnFreeMemory() {
    ClusterSnapshot two = ClusterSnapshot.of(0, List.of(instance("x", 400, 0), instance("y", 500, 0)));
    // x ends at 500 used like y; its one pending load puts it behind y.
    PendingPlacements onX = new PendingPlacements(Map.of("x", 1), Map.of("x", 100L));
    for (long salt = 0; salt < 20; salt++) {
      assertThat(POLICY.choose(request(salt, onX), two, 0)).contains("y");
    }
  }

  @Test
  void neverChoosesAnInfeasibleInstance() {
    PendingPlacements onB = new PendingPlacements(Map.of("b", 5), Map.of("b", 5_000L));
    for (long salt = 0; salt < 50; salt++) {
      PlacementRequest request = new PlacementRequest(MODEL, Set.of("c"), salt, onB);
      assertThat(POLICY.choose(request, SNAPSHOT, 0)).isPresent().get().isNotEqualTo("c");
    }
    ClusterSnapshot one = ClusterSnapshot.of(0, List.of(instance("only", 0, 0)));
    assertThat(POLICY.choose(request(1, onB), one, 0)).contains("only");
    ClusterSnapshot none = ClusterSnapshot.of(0, List.of());
    assertThat(POLICY.choose(request(1, onB), none, 0)).isEmpty();
  }

  @Test
  void adjustAddsBytesAndLoadsOnlyToTheNamedInstance() {
    PendingPlacements pending = new PendingPlacements(Map.of("b", 2), Map.of("b", 300L));
    InstanceView b = pending.adjust(instance("b", 400, 10));
    assertThat(b.memoryUsedBytes()).isEqualTo(700);
    assertThat(b.loadsInProgress()).isEqualTo(2);
    assertThat(b.oldestUseMillis()).isEqualTo(10);
    InstanceView a = instance("a", 900, 50);
    assertThat(pending.adjust(a)).isSameAs(a);
    assertThat(PendingPlacements.NONE.isEmpty()).isTrue();
    assertThat(new PlacementRequest(MODEL, Set.of(), 1).pending()).isEqualTo(PendingPlacements.NONE);
    assertThatThrownBy(() -> new PendingPlacements(Map.of("b", -1), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void isSelectableByName() {
    assertThat(PlacementPolicies.byName("p2c-pending")).isInstanceOf(PendingAwarePlacement.class);
    assertThat(PlacementPolicies.NAMES).contains("p2c-pending");
  }
}
