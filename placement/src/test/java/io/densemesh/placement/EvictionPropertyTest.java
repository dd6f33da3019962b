package io.densemesh.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties every eviction policy must hold on random instances: never evict a copy in use or
 * protected (pinned / at min copies), evict only the deficit, and never exceed capacity once the
 * plan is carried out.
 */
class EvictionPropertyTest {

  private static final int CASES = 2_000;

  @Test
  void lruHoldsTheContract() {
    check(new LruEvictionPolicy());
  }

  @Test
  void costAwareHoldsTheContract() {
    check(new CostAwareEvictionPolicy(60_000));
  }

  @Test
  void tenantQuotaEvictionHoldsTheContract() {
    SplittableRandom random = new SplittableRandom(7);
    TenantQuotaEviction eviction =
        new TenantQuotaEviction(new CostAwareEvictionPolicy(60_000), new TenantQuotas(0.3, Map.of()));
    for (int i = 0; i < CASES; i++) {
      Instance instance = Instance.random(random);
      Map<String, String> tenants = new HashMap<>();
      for (ResidentCopy copy : instance.resident) {
        tenants.put(copy.modelId(), "t" + random.nextInt(3));
      }
      ModelDemand incoming = ModelDemand.of("new", "t" + random.nextInt(3), instance.incoming, 10);
      EvictionPlan plan =
          eviction.victims(instance.resident, tenants, incoming, instance.capacity, instance.deficit(), 1_000_000);
      instance.assertHolds(plan);
    }
  }

  private static void check(EvictionPolicy policy) {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < CASES; i++) {
      Instance instance = Instance.random(random);
      instance.assertHolds(policy.victims(instance.resident, instance.deficit(), 1_000_000));
    }
  }

  private static final class Instance {
    final List<ResidentCopy> resident = new ArrayList<>();
    long capacity;
    long used;
    long incoming;

    static Instance random(SplittableRandom random) {
      Instance instance = new Instance();
      int copies = random.nextInt(0, 30);
      for (int c = 0; c < copies; c++) {
        long size = random.nextLong(1, 1_000);
        instance.resident.add(
            new ResidentCopy(
                "m" + c,
                size,
                random.nextLong(0, 1_000_000),
                random.nextInt(5) == 0 ? random.nextInt(1, 4) : 0,
                random.nextInt(6) == 0,
                random.nextLong(0, 100),
                random.nextLong(0, 10_000)));
        instance.used += size;
      }
      instance.capacity = instance.used + random.nextLong(0, 2_000);
      instance.incoming = random.nextLong(1, 3_000);
      return instance;
    }

    long deficit() {
      return used + incoming - capacity;
    }

    void assertHolds(EvictionPlan plan) {
      Map<String, ResidentCopy> byId = new HashMap<>();
      resident.forEach(c -> byId.put(c.modelId(), c));
      long freed = 0;
      long smallestVictim = Long.MAX_VALUE;
      for (String id : plan.victims()) {
        ResidentCopy victim = byId.get(id);
        assertThat(victim.evictable()).as("victim %s must be evictable", id).isTrue();
        freed += victim.sizeBytes();
        smallestVictim = Math.min(smallestVictim, victim.sizeBytes());
      }
      assertThat(plan.victims()).doesNotHaveDuplicates();
      assertThat(plan.bytesFreed()).isEqualTo(freed);
      long deficit = deficit();
      if (deficit <= 0) {
        assertThat(plan.victims()).isEmpty();
        return;
      }
      long evictable = resident.stream().filter(ResidentCopy::evictable).mapToLong(ResidentCopy::sizeBytes).sum();
      assertThat(plan.sufficient()).isEqualTo(evictable >= deficit);
      if (plan.sufficient()) {
        assertThat(used - freed + incoming).as("fits after eviction").isLessThanOrEqualTo(capacity);
        // Only the deficit: dropping the last victim taken would leave it uncovered.
        String last = plan.victims().get(plan.victims().size() - 1);
        assertThat(freed - byId.get(last).sizeBytes()).isLessThan(deficit);
      } else {
        assertThat(plan.victims()).isEmpty();
      }
    }
  }
}
