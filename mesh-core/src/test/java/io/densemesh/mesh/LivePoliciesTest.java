package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.cache.CacheListener;
import io.densemesh.cache.ModelCache;
import io.densemesh.cache.ModelLease;
import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.placement.LruEvictionPolicy;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.testing.FakeClock;
import io.densemesh.testing.FakeRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live settings reach the node's cache: eviction, loading slots, headroom, tenant quotas. */
class LivePoliciesTest {

  @TempDir Path dir;
  private final FakeRuntime runtime = new FakeRuntime(); // every model is 100 bytes
  private final FakeClock clock = new FakeClock(1_000);
  private ModelCache cache;
  private LivePolicies policies;
  private Path artifact;

  @BeforeEach
  void setUp() throws Exception {
    artifact = Files.write(dir.resolve("m.bin"), new byte[10]);
    cache = new ModelCache(new RuntimeRegistry(List.of(runtime)), ModelStorage.localOnly(),
        new LruEvictionPolicy(), new CacheListener() {}, clock, 1000, 2, Duration.ofSeconds(30));
    policies = new LivePolicies(cache, "lru", id -> id.startsWith("a") ? "A" : "B");
  }

  @AfterEach
  void tearDown() {
    cache.close();
  }

  private void use(String id) {
    try (ModelLease lease = cache.acquire(new ModelSpec(id, "fake", artifact.toString(), ""),
        Duration.ofSeconds(10))) {
      assertThat(lease.model()).isNotNull();
    }
    clock.advance(Duration.ofSeconds(1));
  }

  /** B's four models are the oldest; A's six came after; the node is full (10 x 100 bytes). */
  private void fill() {
    for (int i = 1; i <= 4; i++) {
      use("b" + i);
    }
    for (int i = 1; i <= 6; i++) {
      use("a" + i);
    }
    assertThat(cache.usedBytes()).isEqualTo(1000);
  }

  @Test
  void withoutQuotasTheLeastRecentlyUsedGoesWhoeverOwnsIt() {
    fill();
    use("a7");
    assertThat(cache.isLoaded("b1")).isFalse();
    assertThat(cache.isLoaded("a1")).isTrue();
  }

  @Test
  void aTenantOverItsQuotaEvictsItsOwnCopiesFirst() {
    policies.onSettings(Map.of("tenantQuotaFraction", "0.5"));
    fill();
    use("a7"); // A holds 600 of 1000 bytes, over its half: its own oldest copy goes
    assertThat(cache.isLoaded("a1")).isFalse();
    assertThat(cache.isLoaded("b1")).isTrue();

    policies.onSettings(Map.of()); // quotas off again: plain LRU
    use("a8");
    assertThat(cache.isLoaded("b1")).isFalse();
  }

  @Test
  void aPerTenantQuotaOverridesTheDefaultShare() {
    // Default: no quota; tenant A alone is held to 40%: its own copies go first.
    policies.onSettings(Map.of("tenant.A.quotaFraction", "0.4"));
    fill();
    use("a7");
    assertThat(cache.isLoaded("a1")).isFalse();
    assertThat(cache.isLoaded("b1")).isTrue();
    assertThat(policies.applied().tenants().quotaFractions()).containsEntry("A", 0.4);
  }

  @Test
  void tenantLimitsAreLiveSettingsValidatedWithTheRest() {
    policies.onSettings(Map.of("tenantRequestsPerSecond", "20", "tenant.A.maxModels", "3"));
    assertThat(policies.applied().tenants().of("A").maxModels()).isEqualTo(3);
    assertThat(policies.applied().tenants().of("B").requestsPerSecond()).isEqualTo(20);
    assertThatThrownBy(() -> policies.parse(Map.of("tenant.A.maxModels", "many")))
        .hasMessageContaining("tenant.A.maxModels");
  }

  @Test
  void loadingSlotsAndHeadroomApplyLiveAndBadValuesAreRejectedWhole() {
    policies.onSettings(Map.of("loadingConcurrency", "5", "memoryHeadroomFraction", "0.5"));
    assertThat(cache.loadingSlots()).isEqualTo(5);
    for (int i = 1; i <= 6; i++) {
      use("b" + i);
    }
    assertThat(cache.usedBytes()).isEqualTo(500); // half the capacity kept free

    assertThatThrownBy(() -> policies.parse(Map.of("loadingConcurrency", "0")))
        .hasMessageContaining("loadingConcurrency");
    assertThatThrownBy(() -> policies.parse(Map.of("nonsense", "1")))
        .hasMessageContaining("nonsense");
    policies.onSettings(Map.of("loadingConcurrency", "0")); // ignored: keeps the last good one
    assertThat(cache.loadingSlots()).isEqualTo(5);
  }

  @Test
  void admissionLimitsAreLiveSettingsAppliedToTheNode() {
    io.densemesh.config.AdmissionSettings flags =
        new io.densemesh.config.AdmissionSettings(100, 25, 50, 4, 1000, 10, 5);
    io.densemesh.admission.InFlightLimit inFlight = new io.densemesh.admission.InFlightLimit(100);
    io.densemesh.admission.RetryBudget budget =
        new io.densemesh.admission.RetryBudget(clock, 10, 10, 5);
    LivePolicies live = new LivePolicies(cache, "lru", id -> "",
        new io.densemesh.admission.LiveAdmission(flags, inFlight, cache, budget));

    live.onSettings(Map.of("maxInFlight", "8", "retryBudgetPercent", "0",
        "minRetriesPerSecond", "0"));

    assertThat(inFlight.limit()).isEqualTo(8);
    assertThat(live.applied().admission().maxWaitingPerModel()).as("capped by the new limit")
        .isEqualTo(8);
    assertThat(budget.tryRetry()).as("no retries at 0 %, no minimum").isFalse();
    live.onSettings(Map.of()); // back to the node's flags
    assertThat(inFlight.limit()).isEqualTo(100);
  }

  @Test
  void invalidAdmissionSettingsAreRejectedNamingTheKey() {
    assertThatThrownBy(() -> policies.parse(Map.of("maxInFlight", "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight must be");
    assertThatThrownBy(() -> policies.parse(Map.of("maxQueuedLoads", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxQueuedLoads must be a whole number");
  }
}
