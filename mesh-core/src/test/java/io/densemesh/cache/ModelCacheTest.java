package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final FakeRuntime runtime = new FakeRuntime();
  private final FakeClock clock = new FakeClock(1_000);
  private ModelCache cache;
  private Path artifact;

  @BeforeEach
  void setUp() throws Exception {
    artifact = Files.write(dir.resolve("m.bin"), new byte[10]);
    cache = new ModelCache(new RuntimeRegistry(List.of(runtime)), ModelStorage.localOnly(),
        new LruEvictionPolicy(), new CacheListener() {}, clock, 300, 2, Duration.ofSeconds(30));
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
      assertThat(lease.model().sizeBytes()).isPositive();
    }
    clock.advance(Duration.ofSeconds(1));
  }

  @Test
  void evictsLeastRecentlyUsedToMakeRoom() {
    use("a");
    use("b");
    use("c");
    use("a"); // b is now the least recently used
    use("d");

    assertThat(cache.isLoaded("b")).isFalse();
    assertThat(cache.isLoaded("a")).isTrue();
    assertThat(cache.isLoaded("c")).isTrue();
    assertThat(cache.isLoaded("d")).isTrue();
    assertThat(cache.usedBytes()).isEqualTo(300);
    assertThat(runtime.open).containsExactlyInAnyOrder("a", "c", "d");
  }

  @Test
  void neverEvictsAModelWithARequestInFlight() {
    use("a");
    use("b");
    try (ModelLease busy = cache.acquire(spec("a"), WAIT)) {
      use("c");
      use("d"); // must evict: a is busy, so b and c are the candidates (c is newer)
      assertThat(cache.isLoaded("a")).isTrue();
      assertThat(busy.model()).isNotNull();
    }
  }

  @Test
  void capacityHeldByBusyModelsIsResourceExhausted() throws Exception {
    runtime.sizes.put("big", 250L);
    // Its own, larger file: a first load is predicted from models of similar file size.
    Path bigFile = Files.write(dir.resolve("big.bin"), new byte[250]);
    try (ModelLease a = cache.acquire(spec("a"), WAIT);
        ModelLease b = cache.acquire(spec("b"), WAIT)) {
      assertThatThrownBy(() -> cache.acquire(new ModelSpec("big", "fake", bigFile.toString(), ""),
          WAIT))
          .isInstanceOf(CapacityExhaustedException.class)
          .hasMessageContaining("serving requests");
      assertThat(cache.isLoaded("a")).isTrue();
      assertThat(cache.isLoaded("b")).isTrue();
    }
  }

  @Test
  void modelLargerThanCapacityFailsWithoutEvictingAnything() throws Exception {
    use("a");
    use("b");
    Path huge = Files.write(dir.resolve("huge.bin"), new byte[400]);
    ModelSpec hugeSpec = new ModelSpec("huge", "fake", huge.toString(), "");

    assertThatThrownBy(() -> cache.acquire(hugeSpec, WAIT))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("whole capacity");
    assertThat(cache.isLoaded("a")).isTrue();
    assertThat(cache.isLoaded("b")).isTrue();
    assertThat(runtime.loadsOf("huge")).isZero();
  }

  @Test
  void concurrentFirstRequestsShareOneLoad() throws Exception {
    runtime.gate = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(pool.submit(() -> {
          try (ModelLease lease = cache.acquire(spec("shared"), WAIT)) {
            return lease.model().sizeBytes();
          }
        }));
      }
      await().until(() -> runtime.loadsOf("shared") == 1);
      runtime.gate.countDown();
      for (Future<?> call : calls) {
        assertThat(call.get()).isEqualTo(100L);
      }
      assertThat(runtime.loadsOf("shared")).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void failedLoadFailsFastUntilTheBackoffExpires() {
    runtime.failures.put("bad", "weights are corrupt");
    assertThatThrownBy(() -> cache.acquire(spec("bad"), WAIT))
        .isInstanceOf(ModelLoadException.class).hasMessage("weights are corrupt");
    assertThatThrownBy(() -> cache.acquire(spec("bad"), WAIT))
        .isInstanceOf(ModelLoadException.class).hasMessage("weights are corrupt");
    assertThat(runtime.loadsOf("bad")).isEqualTo(1);
    assertThat(cache.copyState("bad")).get().extracting(CopyState::phase)
        .isEqualTo(CopyState.Phase.FAILED);

    runtime.failures.remove("bad");
    clock.advance(Duration.ofSeconds(31));
    use("bad");
    assertThat(runtime.loadsOf("bad")).isEqualTo(2);
  }

  @Test
  void unloadWaitsForTheLastLease() {
    use("a");
    ModelLease lease = cache.acquire(spec("a"), WAIT);
    cache.unload("a");
    assertThat(runtime.open).contains("a");
    lease.close();
    assertThat(runtime.open).doesNotContain("a");
    assertThat(cache.usedBytes()).isZero();
  }

  @Test
  void anErrorDuringALoadEndsTheProcess() {
    java.util.List<Error> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
    var previous = io.densemesh.errors.FatalErrors.replaceEnd(ended::add);
    try {
      OutOfMemoryError oom = new OutOfMemoryError("Direct buffer memory");
      runtime.errors.put("a", oom);

      assertThatThrownBy(() -> cache.acquire(spec("a"), WAIT)).isInstanceOf(ModelLoadException.class);

      await().atMost(WAIT).until(() -> ended.contains(oom));
      assertThat(cache.usedBytes()).as("the reservation is returned first").isZero();
    } finally {
      io.densemesh.errors.FatalErrors.replaceEnd(previous);
    }
  }
}
