package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.placement.LruEvictionPolicy;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.testing.FakeClock;
import io.densemesh.testing.FakeRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's second budget: GPU memory, charged apart from host memory. */
class ModelCacheGpuTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final FakeRuntime runtime = new FakeRuntime();
  private final FakeClock clock = new FakeClock(1_000);
  private ModelCache cache;
  private Path artifact;

  @BeforeEach
  void setUp() throws Exception {
    artifact = Files.write(dir.resolve("m.bin"), new byte[10]);
    // Host room for 10 models of 100 bytes; GPU room for 1000 bytes.
    cache = new ModelCache(new RuntimeRegistry(List.of(runtime)), ModelStorage.localOnly(),
        new LruEvictionPolicy(), new CacheListener() {}, clock, 1000, 1000, 2,
        Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() {
    cache.close();
  }

  private ModelSpec spec(String id) {
    return new ModelSpec(id, "fake", artifact.toString(), "");
  }

  private void use(String id) {
    try (ModelLease lease = cache.acquire(spec(id), WAIT)) {
      assertThat(lease.model()).isNotNull();
    }
    clock.advance(Duration.ofSeconds(1));
  }

  @Test
  void chargesGpuBytesApartFromHostBytes() {
    runtime.gpuSizes.put("g", 400L);
    use("g");
    use("c");

    assertThat(cache.usedBytes()).isEqualTo(200);
    assertThat(cache.gpuUsedBytes()).isEqualTo(400);
    assertThat(cache.gpuCapacityBytes()).isEqualTo(1000);
    assertThat(cache.copyState("g")).hasValueSatisfying(s -> assertThat(s.gpuBytes()).isEqualTo(400));
    assertThat(cache.copyState("c")).hasValueSatisfying(s -> assertThat(s.gpuBytes()).isZero());
    assertThat(cache.copies().get("g").gpuBytes()).isEqualTo(400);

    cache.unload("g");
    assertThat(cache.gpuUsedBytes()).isZero();
  }

  @Test
  void aModelLargerThanTheWholeGpuFailsWithoutEvicting() {
    runtime.gpuSizes.put("small", 300L);
    runtime.gpuSizes.put("huge", 1001L);
    use("small");
    use("cpu");

    assertThatThrownBy(() -> use("huge"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("GPU memory")
        .hasMessageContaining("whole GPU capacity");
    assertThat(cache.isLoaded("small")).isTrue();
    assertThat(cache.isLoaded("cpu")).isTrue();
    assertThat(runtime.open).containsExactlyInAnyOrder("small", "cpu");
    assertThat(cache.gpuUsedBytes()).isEqualTo(300);
    assertThat(cache.usedBytes()).isEqualTo(200);
  }

  @Test
  void aGpuDeficitEvictsOnlyGpuHoldingCopies() {
    runtime.gpuSizes.put("g1", 400L);
    runtime.gpuSizes.put("g2", 400L);
    runtime.gpuSizes.put("g3", 400L);
    use("cpu-old"); // least recently used of all, but holds no GPU memory
    use("g1");
    use("g2");
    use("g3"); // 1200 > 1000 GPU bytes: g1, the oldest GPU copy, must go; host has room

    assertThat(cache.isLoaded("cpu-old")).isTrue();
    assertThat(cache.isLoaded("g1")).isFalse();
    assertThat(cache.isLoaded("g2")).isTrue();
    assertThat(cache.isLoaded("g3")).isTrue();
    assertThat(cache.gpuUsedBytes()).isEqualTo(800);
    assertThat(cache.usedBytes()).isEqualTo(300);
    assertThat(runtime.open).containsExactlyInAnyOrder("cpu-old", "g2", "g3");
  }

  @Test
  void aReloadReservesItsRememberedGpuSizeBeforeLoading() {
    runtime.gpuSizes.put("g1", 600L);
    runtime.gpuSizes.put("g2", 600L);
    use("g1");
    use("g2"); // evicts g1 for GPU room
    assertThat(cache.isLoaded("g1")).isFalse();

    use("g1"); // its 600 GPU bytes are known: g2 goes before the load starts
    assertThat(cache.isLoaded("g2")).isFalse();
    assertThat(cache.gpuUsedBytes()).isEqualTo(600);
    assertThat(runtime.loadsOf("g1")).isEqualTo(2);
  }

  @Test
  void gpuMemoryHeldByBusyCopiesIsCapacityExhausted() {
    runtime.gpuSizes.put("busy", 700L);
    runtime.gpuSizes.put("next", 700L);
    try (ModelLease busy = cache.acquire(spec("busy"), WAIT)) {
      assertThatThrownBy(() -> use("next"))
          .isInstanceOf(CapacityExhaustedException.class)
          .hasMessageContaining("no GPU room");
      assertThat(busy.model()).isNotNull();
    }
    assertThat(runtime.open).containsExactly("busy");
    assertThat(cache.gpuUsedBytes()).isEqualTo(700);
    assertThat(cache.usedBytes()).isEqualTo(100);
  }

  @Test
  void aCpuOnlyNodeRejectsAModelThatUsesTheGpu() {
    ModelCache cpuOnly = new ModelCache(new RuntimeRegistry(List.of(runtime)),
        ModelStorage.localOnly(), new LruEvictionPolicy(), new CacheListener() {}, clock, 1000, 2,
        Duration.ofSeconds(30));
    try {
      runtime.gpuSizes.put("g", 1L);
      assertThatThrownBy(() -> cpuOnly.acquire(spec("g"), WAIT).close())
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("whole GPU capacity of 0 B");
      assertThat(cpuOnly.gpuUsedBytes()).isZero();
    } finally {
      cpuOnly.close();
    }
  }
}
