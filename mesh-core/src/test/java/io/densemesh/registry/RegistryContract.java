package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Registry} implementation shares; run against the embedded registry
 * ({@link LocalRegistryTest}) and a real etcd ({@link EtcdRegistryIT}).
 */
abstract class RegistryContract {

  protected Registry registry;

  /** A fresh, empty registry. */
  protected abstract Registry open() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    registry = open();
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
  }

  static ModelRecord model(String id, String path) {
    return ModelRecord.newBuilder().setModelId(id).setType("onnx").setPath(path).build();
  }

  @Test
  void modelWritesAreCompareAndSet() {
    assertThat(registry.model("m")).isEmpty();
    long v1 = registry.putModel(model("m", "/a"), 0).orElseThrow();
    assertThat(registry.putModel(model("m", "/b"), 0)).as("create over existing").isEmpty();
    assertThat(registry.model("m")).map(Versioned::version).contains(v1);
    assertThat(registry.model("m").orElseThrow().value().getPath()).isEqualTo("/a");

    long v2 = registry.putModel(model("m", "/c"), v1).orElseThrow();
    assertThat(v2).isGreaterThan(v1);
    assertThat(registry.putModel(model("m", "/d"), v1)).as("stale version").isEmpty();
    assertThat(registry.model("m").orElseThrow().value().getPath()).isEqualTo("/c");

    assertThat(registry.deleteModel("m", v1)).as("stale delete").isFalse();
    assertThat(registry.deleteModel("m", v2)).isTrue();
    assertThat(registry.model("m")).isEmpty();
    assertThat(registry.deleteModel("m", v2)).as("already gone").isFalse();
  }

  @Test
  void listsAndCountsModels() {
    for (int i = 0; i < 5; i++) {
      registry.putModel(model("m" + i, "/p" + i), 0).orElseThrow();
    }
    assertThat(registry.modelCount()).isEqualTo(5);
    assertThat(registry.models("", 10)).extracting(ModelRecord::getModelId)
        .containsExactly("m0", "m1", "m2", "m3", "m4");
    assertThat(registry.models("", 2)).extracting(ModelRecord::getModelId)
        .containsExactly("m0", "m1");
    assertThat(registry.models("m1", 2)).extracting(ModelRecord::getModelId)
        .containsExactly("m2", "m3");
    assertThat(registry.models("m4", 2)).isEmpty();
    assertThat(registry.models("m3", 10).get(0).getPath()).isEqualTo("/p4");
    registry.deleteModel("m2", registry.model("m2").orElseThrow().version());
    assertThat(registry.modelCount()).isEqualTo(4);
    assertThat(registry.models("m1", 1)).extracting(ModelRecord::getModelId)
        .containsExactly("m3");
  }

  @Test
  void vmodelWritesAreCompareAndSet() {
    VModelRecord first = VModelRecord.newBuilder().setVmodelId("v").setActiveModelId("a")
        .setTargetModelId("a").build();
    long v1 = registry.putVModel(first, 0).orElseThrow();
    assertThat(registry.putVModel(first, 0)).isEmpty();
    long v2 = registry.putVModel(first.toBuilder().setTargetModelId("b").build(), v1)
        .orElseThrow();
    assertThat(registry.vmodel("v").orElseThrow().value().getTargetModelId()).isEqualTo("b");
    assertThat(registry.vmodels()).hasSize(1);
    assertThat(registry.deleteVModel("v", v1)).isFalse();
    assertThat(registry.deleteVModel("v", v2)).isTrue();
    assertThat(registry.vmodel("v")).isEmpty();
  }

  @Test
  void racingCreatesHaveExactlyOneWinner() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Optional<Long>>> racers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String path = "/racer" + i;
        racers.add(() -> registry.putModel(model("contested", path), 0));
      }
      int winners = 0;
      for (Future<Optional<Long>> f : pool.invokeAll(racers)) {
        winners += f.get().isPresent() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentWritesEachGetTheirOwnAnswer() throws Exception {
    long stale = registry.putModel(model("stale", "/0"), 0).orElseThrow();
    registry.putModel(model("stale", "/1"), stale).orElseThrow();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Callable<Optional<Long>>> writes = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String id = "bulk-" + i;
        writes.add(() -> registry.putModel(model(id, "/" + id), 0));
      }
      writes.add(() -> registry.putModel(model("stale", "/2"), stale)); // must fail alone
      List<Future<Optional<Long>>> results = pool.invokeAll(writes);
      for (int i = 0; i < 64; i++) {
        long version = results.get(i).get().orElseThrow();
        assertThat(registry.model("bulk-" + i)).map(Versioned::version).contains(version);
      }
      assertThat(results.get(64).get()).isEmpty();
      assertThat(registry.model("stale").orElseThrow().value().getPath()).isEqualTo("/1");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void configIsReplacedAsAWhole() {
    registry.putConfig(Map.of("eviction", "lru", "idleTtlMillis", "1000"));
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.view().config()
        .equals(Map.of("eviction", "lru", "idleTtlMillis", "1000")));
    registry.putConfig(Map.of("eviction", "cost-aware"));
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.view().config()
        .equals(Map.of("eviction", "cost-aware")));
  }

  @Test
  void firstLoadClaimHasOneHolder() {
    assertThat(registry.claimLoad("m", "a")).isEqualTo("a");
    assertThat(registry.claimLoad("m", "b")).isEqualTo("a");
    assertThat(registry.claimLoad("m", "a")).isEqualTo("a");
    registry.releaseClaim("m", "b");
    assertThat(registry.claimLoad("m", "b")).as("only the holder releases").isEqualTo("a");
    await().atMost(Duration.ofSeconds(5)).until(() -> "a".equals(registry.view().claims()
        .get("m")));
    registry.releaseClaim("m", "a");
    assertThat(registry.claimLoad("m", "b")).isEqualTo("b");
  }

  @Test
  void instancesAndCopiesAppearInTheView() {
    AtomicInteger changes = new AtomicInteger();
    registry.addListener(changes::incrementAndGet);
    registry.putInstance(InstanceRecord.newBuilder().setInstanceId("n1")
        .setAddress("127.0.0.1:1").setCapacityBytes(100).build());
    registry.putCopy(CopyRecord.newBuilder().setModelId("m/with/slashes").setInstanceId("n1")
        .setState(CopyRecord.State.LOADED).setSizeBytes(10).build());
    await().atMost(Duration.ofSeconds(5))
        .until(() -> registry.view().loadedOn("m/with/slashes").equals(List.of("n1")));
    assertThat(registry.view().instances().get("n1").getCapacityBytes()).isEqualTo(100);
    assertThat(changes.get()).isPositive();

    registry.deleteCopy("m/with/slashes", "n1");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> registry.view().copiesOf("m/with/slashes").isEmpty());
  }

  @Test
  void leadershipHasOneHolder() {
    assertThat(registry.tryLead("a")).isTrue();
    assertThat(registry.tryLead("b")).isFalse();
    assertThat(registry.tryLead("a")).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.view().leader().equals("a"));
  }
}
