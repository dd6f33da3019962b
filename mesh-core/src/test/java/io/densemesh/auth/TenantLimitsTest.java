package io.densemesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantLimitsTest {

  @Test
  void defaultsApplyToEveryTenantAndOverridesToTheirOwn() {
    TenantLimits limits = TenantLimits.parse(Map.of(
        "tenantRequestsPerSecond", "50", "tenantMaxModels", "100",
        "tenant.big.requestsPerSecond", "500", "tenant.big.quotaFraction", "0.5",
        "eviction", "lru"));
    assertThat(limits.of("small").requestsPerSecond()).isEqualTo(50);
    assertThat(limits.of("small").maxModels()).isEqualTo(100);
    assertThat(limits.of("big").requestsPerSecond()).isEqualTo(500);
    assertThat(limits.of("big").maxModels()).as("not overridden: the default").isEqualTo(100);
    assertThat(limits.quotaFractions()).containsExactly(Map.entry("big", 0.5));
  }

  @Test
  void theBucketHoldsOneSecondOfRequestsUnlessABurstIsSet() {
    assertThat(new TenantLimits.Limits(2.5, 0, 0).capacity()).isEqualTo(3);
    assertThat(new TenantLimits.Limits(0.2, 0, 0).capacity()).isEqualTo(1);
    assertThat(new TenantLimits.Limits(10, 40, 0).capacity()).isEqualTo(40);
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> TenantLimits.parse(Map.of("tenantRequestsPerSecond", "fast")))
        .hasMessageContaining("tenantRequestsPerSecond");
    assertThatThrownBy(() -> TenantLimits.parse(Map.of("tenant.a.maxModels", "-1")))
        .hasMessageContaining("tenant.a.maxModels");
    assertThatThrownBy(() -> TenantLimits.parse(Map.of("tenant.a.colour", "red")))
        .hasMessageContaining("unknown tenant setting 'tenant.a.colour'");
    assertThatThrownBy(() -> TenantLimits.parse(Map.of("tenant.a.quotaFraction", "2")))
        .hasMessageContaining("quotaFraction");
    assertThatThrownBy(() -> TenantLimits.parse(Map.of("tenantMaxModels", "1.5")))
        .hasMessageContaining("whole number");
  }

  @Test
  void onlyTenantKeysAreOwned() {
    assertThat(TenantLimits.owns("tenant.a.maxModels")).isTrue();
    assertThat(TenantLimits.owns("tenantMaxModels")).isTrue();
    assertThat(TenantLimits.owns("tenantQuotaFraction")).isFalse();
  }
}
