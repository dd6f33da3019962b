package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.CopyRecord;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.testing.EtcdProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry contract against a real etcd, plus what only a shared store can show. */
class EtcdRegistryIT extends RegistryContract {

  @TempDir static Path dir;
  static EtcdProcess etcd;
  static final AtomicInteger meshes = new AtomicInteger();
  String prefix;

  @BeforeAll
  static void startEtcd() {
    etcd = new EtcdProcess(dir);
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  static EtcdSettings settings(String endpoint, String prefix) {
    return new EtcdSettings(List.of(endpoint), prefix, Duration.ofSeconds(5),
        Duration.ofSeconds(10));
  }

  @Override
  protected Registry open() {
    prefix = "/densemesh/contract-" + meshes.incrementAndGet() + "/";
    return EtcdRegistry.connect(settings(etcd.endpoint(), prefix));
  }

  @Test
  void anotherNodeSeesWritesAndLiveRecordsVanishWithTheirSession() {
    try (Registry other = EtcdRegistry.connect(settings(etcd.endpoint(), prefix))) {
      registry.putModel(model("shared", "/x"), 0).orElseThrow();
      registry.putInstance(InstanceRecord.newBuilder().setInstanceId("a").build());
      registry.putCopy(CopyRecord.newBuilder().setModelId("shared").setInstanceId("a")
          .setState(CopyRecord.State.LOADED).build());
      await().atMost(Duration.ofSeconds(5)).until(() -> other.model("shared").isPresent()
          && other.view().loadedOn("shared").equals(List.of("a")));

      registry.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> other.view().instances().isEmpty()
          && other.view().copiesOf("shared").isEmpty());
      assertThat(other.model("shared")).as("persistent records stay").isPresent();
    } finally {
      registry = EtcdRegistry.connect(settings(etcd.endpoint(), prefix));
    }
  }

  @Test
  void aReloadNeverShowsAnEmptyWorld() throws Exception {
    int count = 2000;
    ExecutorService writers = Executors.newFixedThreadPool(16);
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = "r" + i;
      writes.add(writers.submit(() -> registry.putModel(model(id, "/p"), 0).orElseThrow()));
    }
    for (Future<?> w : writes) {
      w.get();
    }
    writers.shutdown();
    registry.putConfig(Map.of("copies", "fixed"));
    AtomicBoolean reloading = new AtomicBoolean(true);
    AtomicInteger samples = new AtomicInteger();
    AtomicInteger emptyWorlds = new AtomicInteger();
    Thread reader = new Thread(() -> {
      while (reloading.get()) {
        samples.incrementAndGet();
        if (registry.model("r0").isEmpty() || registry.model("r" + (count - 1)).isEmpty()
            || registry.view().config().isEmpty()) {
          emptyWorlds.incrementAndGet();
        }
      }
    });
    reader.start();
    for (int i = 0; i < 5; i++) {
      ((EtcdRegistry) registry).reloadNow("test");
    }
    reloading.set(false);
    reader.join();

    assertThat(samples.get()).isPositive();
    assertThat(emptyWorlds.get()).as("reads that saw a missing record during a reload").isZero();
    assertThat(registry.putModel(model("after-reload", "/p"), 0)).isPresent();
    assertThat(registry.model("after-reload")).isPresent();
  }

  @Test
  void meshesUnderOtherPrefixesDoNotMix() {
    registry.putModel(model("mine", "/x"), 0).orElseThrow();
    try (Registry other = EtcdRegistry.connect(settings(etcd.endpoint(), prefix + "other/"))) {
      assertThat(other.model("mine")).isEmpty();
    }
  }

  @Test
  void unreachableEtcdFailsFastWithAClearError() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> EtcdRegistry.connect(new EtcdSettings(
            List.of("http://127.0.0.1:1"), "/x/", Duration.ofSeconds(5), Duration.ofSeconds(3))))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("etcd http://127.0.0.1:1");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
  }
}
