package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.registry.ModelRecord;
import io.densemesh.registry.EtcdRegistry;
import io.densemesh.registry.Registry;
import io.densemesh.registry.Versioned;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lazy model records on a real etcd: a node caches the record of a model it routed, the watch
 * updates that cached record when another node changes it, and when the bounded cache evicts the
 * record, routing to the loaded copy carries on (the record is read again from etcd, the copy is
 * neither reloaded nor unloaded).
 */
class ModelRecordCacheIT {

  @TempDir static Path etcdDir;
  static EtcdProcess etcd;

  @TempDir Path dir;
  final List<TestNode> nodes = new ArrayList<>();

  @BeforeAll
  static void startEtcd() {
    etcd = new EtcdProcess(etcdDir);
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @AfterEach
  void stopNodes() {
    nodes.forEach(TestNode::close);
  }

  TestNode node(String id) {
    TestNode node = new TestNode(dir.resolve(id), "--instance-id", id, "--etcd", etcd.endpoint(),
        "--etcd-prefix", "/densemesh/record-cache-it/", "--lease-ttl", "3s", "--capacity", "1g",
        "--etcd-timeout", "10s", "--model-record-cache", "64KiB");
    nodes.add(node);
    return node;
  }

  @Test
  void aCachedRecordFollowsTheWatchAndItsEvictionDoesNotDisturbTheLoadedCopy() {
    TestNode a = node("a");
    TestNode b = node("b");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> b.node.registry().view().instances().size() == 2);
    EtcdRegistry bRegistry = (EtcdRegistry) b.node.registry();
    Registry aRegistry = a.node.registry();
    a.register("hot", Inference.writeModel(dir.resolve("models"), 7));
    float[] row = Inference.row(7);

    assertThat(Inference.answeredBy(b.inference.modelInfer(Inference.request("hot", row)), 7,
        row)).isTrue();
    assertThat(bRegistry.cachedModel("hot")).as("routed through b: cached there").isPresent();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> b.node.registry().view().loadedOn("hot").size() == 1);
    List<String> loadedOn = b.node.registry().view().loadedOn("hot");

    // Another node changes the record: b's cached copy follows through the watch, no read.
    Versioned<ModelRecord> current = aRegistry.model("hot").orElseThrow();
    aRegistry.putModel(current.value().toBuilder().setMaxCopies(5).build(), current.version())
        .orElseThrow();
    await().atMost(Duration.ofSeconds(5)).until(() -> bRegistry.cachedModel("hot")
        .map(v -> v.value().getMaxCopies() == 5).orElse(false));

    // Other records push it out of b's 64 KiB cache.
    int fillers = 2000;
    for (int i = 0; i < fillers; i++) {
      aRegistry.putModel(ModelRecord.newBuilder().setModelId("filler-" + i).setType("onnx")
          .setPath("/models/filler-" + i + ".onnx").build(), 0).orElseThrow();
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      for (int i = 0; i < fillers; i++) {
        bRegistry.model("filler-" + i);
      }
      return bRegistry.cachedModel("hot").isEmpty();
    });
    assertThat(bRegistry.cachedModels()).as("the cache stays bounded").isLessThan(fillers);

    double loadsBefore = MeshIT.loads(a) + MeshIT.loads(b);
    for (int i = 0; i < 5; i++) {
      assertThat(Inference.answeredBy(b.inference.modelInfer(Inference.request("hot", row)), 7,
          row)).isTrue();
    }
    assertThat(b.node.registry().view().loadedOn("hot")).as("same copy, still loaded")
        .isEqualTo(loadedOn);
    assertThat(MeshIT.loads(a) + MeshIT.loads(b)).as("no reload").isEqualTo(loadsBefore);
    assertThat(bRegistry.model("hot").orElseThrow().value().getMaxCopies())
        .as("read again from etcd, current").isEqualTo(5);
  }
}
