package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyConfigTest {

  @Test
  void parsesSettingsOverABase() {
    PolicyConfig config =
        PolicyConfig.fromMap(
            Map.of("eviction", "cost-aware", "idleTtlMillis", "60000", "tenantQuotaFraction", "0.25"),
            PolicyConfig.lruBaseline());

    assertThat(config.eviction()).isEqualTo("cost-aware");
    assertThat(config.placement()).isEqualTo("global-order");
    assertThat(config.idleTtlMillis()).isEqualTo(60_000);
    assertThat(config.tenantQuotaFraction()).isEqualTo(0.25);
  }

  @Test
  void rejectsUnknownKeysAndBadValuesWithPreciseMessages() {
    PolicyConfig base = PolicyConfig.recommended();
    assertThatThrownBy(() -> PolicyConfig.fromMap(Map.of("evictoin", "lru"), base))
        .hasMessageStartingWith("unknown policy setting 'evictoin'");
    assertThatThrownBy(() -> PolicyConfig.fromMap(Map.of("eviction", "fifo"), base))
        .hasMessageStartingWith("eviction must be one of");
    assertThatThrownBy(() -> PolicyConfig.fromMap(Map.of("idleTtlMillis", "soon"), base))
        .hasMessage("idleTtlMillis must be an integer: 'soon'");
    assertThatThrownBy(() -> PolicyConfig.fromMap(Map.of("idleTtlMillis", "-1"), base))
        .hasMessageStartingWith("idleTtlMillis must be >= 0");
  }

  @Test
  void factoriesBuildTheNamedPolicies() {
    assertThat(EvictionPolicies.byName("lru")).isInstanceOf(LruEvictionPolicy.class);
    assertThat(EvictionPolicies.byName("cost-aware")).isInstanceOf(CostAwareEvictionPolicy.class);
    assertThatThrownBy(() -> EvictionPolicies.byName("lfu"))
        .hasMessageStartingWith("unknown eviction policy 'lfu'");

    PolicySet set = PolicySet.from(PolicyConfig.recommended());
    assertThat(set.placement()).isInstanceOf(PowerOfTwoChoicesPlacement.class);
    assertThat(set.eviction()).isInstanceOf(CostAwareEvictionPolicy.class);
    assertThat(set.copies()).isInstanceOf(RateCopyPolicy.class);
    assertThat(PolicySet.from(PolicyConfig.lruBaseline()).placement())
        .isInstanceOf(GlobalOrderPlacement.class);
  }
}
