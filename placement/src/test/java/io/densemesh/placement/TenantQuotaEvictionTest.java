package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantQuotaEvictionTest {

  private static ResidentCopy copy(String id, long size, long lastUsed) {
    return new ResidentCopy(id, size, lastUsed, 0, false, 1, 100);
  }

  private static final List<ResidentCopy> RESIDENT =
      List.of(copy("a1", 200, 1), copy("b1", 200, 2), copy("a2", 200, 30), copy("a3", 200, 40));
  private static final Map<String, String> TENANT =
      Map.of("a1", "alice", "a2", "alice", "a3", "alice", "b1", "bob");

  @Test
  void tenantOverItsQuotaEvictsItsOwnCopiesFirst() {
    TenantQuotaEviction eviction =
        new TenantQuotaEviction(new LruEvictionPolicy(), new TenantQuotas(0.5, Map.of()));
    // alice holds 600 of 1000 (over 0.5); her next model would push her further.
    EvictionPlan plan =
        eviction.victims(RESIDENT, TENANT, ModelDemand.of("a4", "alice", 300, 10), 1_000, 300, 50);

    assertThat(plan.victims()).containsExactly("a1", "a2");
  }

  @Test
  void anotherTenantsLoadAlsoEvictsTheOverQuotaTenantFirst() {
    TenantQuotaEviction eviction =
        new TenantQuotaEviction(new LruEvictionPolicy(), new TenantQuotas(0.5, Map.of()));
    EvictionPlan plan =
        eviction.victims(RESIDENT, TENANT, ModelDemand.of("c1", "carol", 100, 10), 1_000, 100, 50);

    assertThat(plan.victims()).containsExactly("a1");
  }

  @Test
  void withoutQuotasItIsThePlainPolicy() {
    TenantQuotaEviction eviction =
        new TenantQuotaEviction(new LruEvictionPolicy(), TenantQuotas.none());
    EvictionPlan plan =
        eviction.victims(RESIDENT, TENANT, ModelDemand.of("a4", "alice", 300, 10), 1_000, 300, 50);

    assertThat(plan.victims()).containsExactly("a1", "b1");
  }

  @Test
  void quotaFractionsAreValidated() {
    assertThatThrownBy(() -> new TenantQuotas(0, Map.of()))
        .hasMessageContaining("tenant quota fraction for default must be in (0, 1]");
    assertThatThrownBy(() -> new TenantQuotas(0.5, Map.of("x", 1.5)))
        .hasMessageContaining("for x");
  }
}
