package io.densemesh.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.registry.VModelRoute;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrafficSplitTest {

  static VModelRoute serving(String id, int weight) {
    return VModelRoute.newBuilder().setModelId(id).setWeight(weight).build();
  }

  static VModelRoute shadow(String id, int percent) {
    return VModelRoute.newBuilder().setModelId(id).setShadow(true).setShadowPercent(percent)
        .build();
  }

  final List<VModelRoute> ninetyTen = List.of(serving("stable", 90), serving("canary", 10),
      shadow("next", 25));

  @Test
  void randomChoiceFollowsTheWeights() {
    SplittableRandom random = new SplittableRandom(7);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      seen.merge(TrafficSplit.choose(ninetyTen, null, random::nextDouble), 1, Integer::sum);
    }
    assertThat(seen).containsOnlyKeys("stable", "canary");
    assertThat(seen.get("canary") / 10_000.0).isBetween(0.08, 0.12);
  }

  @Test
  void aKeyAlwaysGetsTheSameModelAndKeysSpreadByWeight() {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      String key = "user-" + i;
      String first = TrafficSplit.choose(ninetyTen, key, () -> 0.99);
      assertThat(TrafficSplit.choose(ninetyTen, key, () -> 0.01)).isEqualTo(first);
      seen.merge(first, 1, Integer::sum);
    }
    assertThat(seen.get("canary") / 10_000.0).isBetween(0.08, 0.12);
  }

  @Test
  void keyPositionsAreFixedByTheAlgorithmNotTheJvm() {
    // Every node must agree: these values are FNV-1a + SplitMix64 of the UTF-8 bytes.
    assertThat(TrafficSplit.unit("user-1")).isEqualTo(TrafficSplit.unit("user-1"));
    assertThat(TrafficSplit.unit("")).isBetween(0.0, 1.0);
    assertThat(TrafficSplit.unit("a")).isNotEqualTo(TrafficSplit.unit("b"));
  }

  @Test
  void shadowsAreSampledAtTheirPercentage() {
    SplittableRandom random = new SplittableRandom(11);
    int copies = 0;
    for (int i = 0; i < 10_000; i++) {
      copies += TrafficSplit.shadows(ninetyTen, random::nextDouble).size();
    }
    assertThat(copies / 10_000.0).isBetween(0.23, 0.27);
    assertThat(TrafficSplit.shadows(List.of(serving("a", 1)), random::nextDouble)).isEmpty();
  }

  @Test
  void theHeaviestServingRouteIsPrimaryAndShadowsNeverServe() {
    assertThat(TrafficSplit.primary(ninetyTen)).isEqualTo("stable");
    assertThat(TrafficSplit.choose(List.of(shadow("s", 100), serving("only", 3)), null,
        () -> 0.999)).isEqualTo("only");
    assertThatThrownBy(() -> TrafficSplit.choose(List.of(shadow("s", 5)), null, () -> 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void routeCountersStayBounded() {
    RouteCounters counters = new RouteCounters(1000);
    for (int i = 0; i < 100_000; i++) {
      counters.record("v" + i, "m", false, false, 1000);
    }
    assertThat(counters.size()).isLessThanOrEqualTo(1000);
    counters.record("v", "m", false, true, 2_000_000);
    counters.record("v", "m", false, false, 4_000_000);
    RouteCounters.Snapshot s = counters.snapshot("v", "m", false);
    assertThat(s.requests()).isEqualTo(2);
    assertThat(s.errors()).isEqualTo(1);
    assertThat(s.meanLatencyMs()).isEqualTo(3.0);
  }
}
