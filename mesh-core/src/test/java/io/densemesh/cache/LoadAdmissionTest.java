package io.densemesh.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.placement.LruEvictionPolicy;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.OverloadedException;
import io.densemesh.runtime.storage.ModelStorage;
import io.densemesh.testing.FakeClock;
import io.densemesh.testing.FakeRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache's admission: callers waiting for a load are bounded per model, loads waiting for a
 * slot are bounded, and a queued load whose callers all left is dropped, never started.
 */
class LoadAdmissionTest {

  @TempDir Path dir;
  private final FakeRuntime runtime = new FakeRuntime();
  private final FakeClock clock = new FakeClock(1_000);
  private final Map<String, String> refusals = new ConcurrentHashMap<>();
  private final List<String> dropped = java.util.Collections.synchronizedList(new ArrayList<>());
  private ModelCache cache;
  private Path artifact;

  @BeforeEach
  void setUp() throws Exception {
    artifact = Files.write(dir.resolve("m.bin"), new byte[10]);
    cache = new ModelCache(new RuntimeRegistry(List.of(runtime)), ModelStorage.localOnly(),
        new LruEvictionPolicy(), new CacheListener() {
          @Override
          public void refused(String modelId, String reason) {
            refusals.put(modelId, reason);
          }

          @Override
          public void loadDropped(String modelId) {
            dropped.add(modelId);
          }
        }, clock, 1L << 40, 1, Duration.ofSeconds(30));
    runtime.gate = new CountDownLatch(1); // every load blocks until the test opens the gate
  }

  @AfterEach
  void tearDown() {
    runtime.gate.countDown();
    cache.close();
  }

  private ModelSpec spec(String id) {
    return new ModelSpec(id, "fake", artifact.toString(), "");
  }

  /** Occupies the only loading slot with a load that blocks on the gate. */
  private void occupyTheSlot() {
    cache.whenLoaded(spec("busy"));
    await().until(() -> runtime.loadsOf("busy") == 1);
  }

  @Test
  void callersBeyondTheBoundPerModelAreRefusedAtOnce() {
    cache.setMaxWaitersPerModel(3);
    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(cache.whenLoaded(spec("m")));
    }

    assertThatThrownBy(() -> cache.whenLoaded(spec("m")))
        .isInstanceOf(OverloadedException.class).hasMessageContaining("3 requests already wait");
    assertThatThrownBy(() -> cache.acquire(spec("m"), Duration.ofSeconds(5)))
        .isInstanceOf(OverloadedException.class);
    assertThat(refusals).containsEntry("m", ModelCache.WAITING_FOR_MODEL);
    assertThat(cache.waiters("m")).isEqualTo(3);

    runtime.gate.countDown();
    waiting.forEach(w -> assertThat(w).succeedsWithin(Duration.ofSeconds(10)));
    assertThat(cache.waiters("m")).isZero();
    assertThat(cache.isLoaded("m")).isTrue();
  }

  @Test
  void aQueuedLoadWhoseCallersAllCancelledIsDroppedNotStarted() {
    occupyTheSlot();
    CompletableFuture<Void> first = cache.whenLoaded(spec("m"));
    CompletableFuture<Void> second = cache.whenLoaded(spec("m"));
    assertThat(cache.queuedLoads()).isEqualTo(1);

    first.cancel(false);
    assertThat(cache.copyState("m")).isPresent(); // one caller still waits
    second.cancel(false);

    assertThat(cache.copyState("m")).isEmpty();
    assertThat(cache.queuedLoads()).isZero();
    assertThat(dropped).containsExactly("m");
    runtime.gate.countDown();
    await().until(() -> cache.isLoaded("busy"));
    assertThat(runtime.loadsOf("m")).isZero();
  }

  @Test
  void aQueuedLoadWhoseBlockingCallerTimedOutIsDropped() {
    occupyTheSlot();

    assertThatThrownBy(() -> cache.acquire(spec("m"), Duration.ofMillis(50)))
        .isInstanceOf(DeadlineExceededException.class);

    assertThat(cache.copyState("m")).isEmpty();
    runtime.gate.countDown();
    await().until(() -> cache.isLoaded("busy"));
    assertThat(runtime.loadsOf("m")).isZero();
  }

  @Test
  void aLoadAskedForByTheMeshIsKeptWhenItsRequestsLeave() {
    occupyTheSlot();
    CompletableFuture<Void> request = cache.whenLoaded(spec("m"));
    cache.ensureLoading(spec("m")); // e.g. ensureLoaded or a copy placed by the mesh

    request.cancel(false);

    assertThat(cache.copyState("m")).isPresent();
    runtime.gate.countDown();
    await().until(() -> cache.isLoaded("m"));
  }

  @Test
  void loadsBeyondTheQueueBoundAreRefused() {
    cache.setMaxQueuedLoads(2);
    occupyTheSlot();
    cache.whenLoaded(spec("a"));
    cache.whenLoaded(spec("b"));

    assertThatThrownBy(() -> cache.whenLoaded(spec("c")))
        .isInstanceOf(OverloadedException.class).hasMessageContaining("2 loads already wait");
    assertThat(refusals).containsEntry("c", ModelCache.LOAD_QUEUE);
    assertThat(cache.copyState("c")).isEmpty();
  }

  @Test
  void aWaiterWhoseLoadCompletesIsReleasedAndTheModelServes() throws Exception {
    CompletableFuture<Void> waiter = cache.whenLoaded(spec("m"));
    runtime.gate.countDown();

    waiter.get(10, TimeUnit.SECONDS);
    try (ModelLease lease = cache.acquire(spec("m"), Duration.ofSeconds(1))) {
      assertThat(lease.hit()).isTrue();
    }
    assertThat(cache.waiters("m")).isZero();
  }

  @Test
  void abandonedWaitsFor100kDistinctModelsLeaveNothingBehind() {
    occupyTheSlot();
    for (int i = 0; i < 100_000; i++) {
      CompletableFuture<Void> waiter = cache.whenLoaded(spec("model-" + i));
      waiter.cancel(false);
    }

    assertThat(cache.copies()).containsOnlyKeys("busy");
    assertThat(cache.queuedLoads()).isZero();
    assertThat(cache.loadsInProgress()).isEqualTo(1);
    assertThat(dropped).hasSize(100_000);
  }
}
