package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.placement.EvictionPlan;
import io.densemesh.placement.LruEvictionPolicy;
import io.densemesh.placement.ResidentCopy;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.testing.FakeClock;
import io.densemesh.testing.FakeRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class CopyEvictorTest {

  private final FakeClock clock = new FakeClock(1_000);
  private final FakeRuntime runtime = new FakeRuntime();
  private final Map<String, CacheEntry> entries = new ConcurrentHashMap<>();
  private final MemoryAccountant budget = new MemoryAccountant(10_000, 10_000);
  private final CopyEvictor evictor = new CopyEvictor(entries, new LruEvictionPolicy(), clock);

  /** A loaded copy charged {@code bytes} / {@code gpuBytes}, last used now; the clock moves on. */
  private CacheEntry loaded(String id, long bytes, long gpuBytes) {
    ModelSpec spec = new ModelSpec(id, "fake", "/models/" + id, "");
    CacheEntry entry = new CacheEntry(spec, clock.millis(), false);
    entry.ready.complete(runtime.load(spec, Path.of("/models", id)));
    budget.reserve(entry.charge, bytes, gpuBytes, evictor.forLoad(id));
    entries.put(id, entry);
    clock.advance(Duration.ofSeconds(1));
    return entry;
  }

  @Test
  void plansTheLeastRecentlyUsedIdleCopiesForAHostDeficit() {
    loaded("a", 100, 0);
    loaded("b", 100, 0);
    loaded("c", 100, 0);
    entries.get("a").touch(clock.millis()); // b is now the oldest

    CopyEvictor.Round round = evictor.forLoad("d");
    EvictionPlan plan = round.plan(false, 150, 150);

    assertThat(plan.sufficient()).isTrue();
    assertThat(plan.victims()).containsExactly("b", "c");
    assertThat(round.retire(plan)).extracting(MemoryAccountant.Charge::bytes)
        .containsExactly(100L, 100L);
    assertThat(round.retired()).extracting(CacheEntry::modelId).containsExactly("b", "c");
    assertThat(entries).containsOnlyKeys("a");
    assertThat(entries.get("a").retired()).isFalse();
  }

  @Test
  void copiesStillLoadingOrHeldOrProtectedAreNoCandidates() {
    loaded("held", 100, 0).retain();
    loaded("pinned", 100, 0);
    loaded("idle", 100, 0);
    CacheEntry loading = new CacheEntry(new ModelSpec("loading", "fake", "/m", ""),
        clock.millis(), true);
    entries.put("loading", loading);
    evictor.setProtection("pinned"::equals);

    CopyEvictor.Round round = evictor.forLoad("x");
    assertThat(round.plan(false, 100, 100).victims()).containsExactly("idle");
    assertThat(round.plan(false, 101, 101).sufficient()).isFalse();
  }

  @Test
  void aGpuDeficitIsPlannedOnlyAmongCopiesHoldingGpuMemorySizedByIt() {
    loaded("cpu", 500, 0);
    loaded("gpu", 10, 400);
    List<ResidentCopy> seen = new ArrayList<>();
    evictor.setEvictionPolicy((resident, deficit, now) -> {
      seen.addAll(resident);
      return new LruEvictionPolicy().victims(resident, deficit, now);
    });

    EvictionPlan plan = evictor.forLoad("x").plan(true, 300, 300);

    assertThat(plan.victims()).containsExactly("gpu");
    assertThat(seen).extracting(ResidentCopy::modelId, ResidentCopy::sizeBytes)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("gpu", 400L));
  }

  @Test
  void aVictimTakenByARequestAfterThePlanIsNotRetired() {
    CacheEntry a = loaded("a", 100, 0);
    CopyEvictor.Round round = evictor.forLoad("b");
    EvictionPlan plan = round.plan(false, 100, 100);
    a.retain(); // a request arrives between the plan and the retirement

    assertThat(round.retire(plan)).isEmpty();
    assertThat(round.retired()).isEmpty();
    assertThat(entries).containsKey("a");
    assertThat(a.retired()).isFalse();
  }

  @Test
  void theVictimPlannerSeesTheIncomingModelAndAVictimItNamesWrongIsSkipped() {
    loaded("a", 100, 0);
    List<String> incoming = new ArrayList<>();
    evictor.setVictimPlanner((resident, deficit, now, id, bytes) -> {
      incoming.add(id + ":" + bytes);
      return new EvictionPlan(List.of("ghost", "a"), 100, true);
    });

    CopyEvictor.Round round = evictor.forLoad("tenant-model");
    EvictionPlan plan = round.plan(false, 50, 70);

    assertThat(incoming).containsExactly("tenant-model:70");
    assertThat(round.retire(plan)).hasSize(1);
    assertThat(round.retired()).extracting(CacheEntry::modelId).containsExactly("a");

    evictor.setVictimPlanner(null); // back to the eviction policy alone
    loaded("b", 100, 0);
    assertThat(evictor.forLoad("c").plan(false, 100, 100).victims()).containsExactly("b");
  }
}
