package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.NodeProcess;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mesh under failures: a node killed with SIGKILL, etcd gone for 30 s. */
class MeshFailoverIT {

  @TempDir Path dir;
  EtcdProcess etcd;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startEtcd() {
    etcd = new EtcdProcess(dir.resolve("etcd"));
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    etcd.close();
  }

  String[] meshFlags(String id) {
    return new String[] {"--instance-id", id, "--etcd", etcd.endpoint(), "--etcd-prefix",
        "/densemesh/failover/", "--lease-ttl", "3s", "--capacity", "1g",
        "--drain-timeout", "5s", "--etcd-timeout", "15s"};
  }

  TestNode node(String id) {
    TestNode node = new TestNode(dir.resolve(id), meshFlags(id));
    closeables.add(node);
    return node;
  }

  /** Steady load over {@code models} through {@code via}; counts failures after a point. */
  static final class Load implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failedAfterMark = new AtomicLong();
    final AtomicLong wrong = new AtomicLong();
    final java.util.Queue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    volatile boolean marked;
    final ExecutorService threads = Executors.newFixedThreadPool(4);

    Load(List<TestNode> via, int models, int attempts) {
      for (int t = 0; t < 4; t++) {
        TestNode node = via.get(t % via.size());
        threads.execute(() -> {
          while (running.get()) {
            int m = ThreadLocalRandom.current().nextInt(models);
            boolean done = false;
            String last = "";
            for (int attempt = 1; attempt <= attempts && !done && running.get(); attempt++) {
              try {
                ModelInferResponse r = node.inference.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .modelInfer(Inference.request("m" + m, Inference.row(m)));
                if (!Inference.answeredBy(r, m, Inference.row(m))) {
                  wrong.incrementAndGet();
                }
                ok.incrementAndGet();
                done = true;
              } catch (StatusRuntimeException e) {
                last = e.getStatus().toString();
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                  break;
                }
              }
            }
            if (!done && marked && running.get()) {
              failedAfterMark.incrementAndGet();
              if (failures.size() < 5) {
                failures.add(last);
              }
            }
          }
        });
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      threads.shutdown();
      threads.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void killingANodeUnderLoadLosesNothingAfterAFewSeconds() throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    NodeProcess c = new NodeProcess(dir.resolve("c"), meshFlags("c"));
    closeables.add(c);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> a.node.registry().view().instances().size() == 3);
    int models = 30;
    for (int i = 0; i < models; i++) {
      a.register("m" + i, Inference.writeModel(dir.resolve("models"), i));
      a.inference.modelInfer(Inference.request("m" + i, Inference.row(i)));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> a.node.registry().view().copies()
        .values().stream().filter(byNode -> byNode.containsKey("c")).count() > 0);
    long onC = a.node.registry().view().copies().values().stream()
        .filter(byNode -> byNode.containsKey("c")).count();

    try (Load load = new Load(List.of(a, b), models, 3)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 200);
      c.kill();
      long killedAt = System.nanoTime();
      // Every model answers again through the survivors, first try.
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .ignoreExceptions().until(() -> {
            for (int i = 0; i < models; i++) {
              a.inference.withDeadlineAfter(5, TimeUnit.SECONDS)
                  .modelInfer(Inference.request("m" + i, Inference.row(i)));
            }
            return true;
          });
      Duration recovered = Duration.ofNanos(System.nanoTime() - killedAt);
      load.marked = true;
      long before = load.ok.get();
      await().atMost(Duration.ofSeconds(20)).until(() -> load.ok.get() > before + 500);
      assertThat(load.failedAfterMark.get()).as("failures after recovery (%s, %d models were on"
          + " the killed node): %s", recovered, onC, load.failures).isZero();
      assertThat(load.wrong.get()).isZero();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> a.node.registry().view().copies()
        .values().stream().noneMatch(byNode -> byNode.containsKey("c"))
        && !a.node.registry().view().instances().containsKey("c"));
  }

  @Test
  void etcdAwayForThirtySecondsKeepsLoadedModelsServingAndLosesNoRegistration()
      throws Exception {
    TestNode a = node("a");
    TestNode b = node("b");
    TestNode c = node("c");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> a.node.registry().view().instances().size() == 3);
    int models = 10;
    for (int i = 0; i < models; i++) {
      a.register("m" + i, Inference.writeModel(dir.resolve("models"), i));
      b.inference.modelInfer(Inference.request("m" + i, Inference.row(i)));
    }
    // Nodes keep model records lazily: a model loaded anywhere is read into every node's cache
    // in the background when its copy appears. Routing through etcd's absence relies on that.
    await().atMost(Duration.ofSeconds(30)).until(() -> List.of(a, b, c).stream().allMatch(n ->
        java.util.stream.IntStream.range(0, models).allMatch(i ->
            ((io.densemesh.registry.EtcdRegistry) n.node.registry()).cachedModel("m" + i)
                .isPresent())));
    try (Load load = new Load(List.of(a, b, c), models, 1)) {
      load.marked = true;
      etcd.stop();
      long outageEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      assertThatThrownBy(() -> c.register("during", Inference.writeModel(dir.resolve("models"),
          99)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("etcd");
          });
      long servedDuringOutage = load.ok.get();
      await().atMost(Duration.ofSeconds(40)).until(() -> System.nanoTime() >= outageEnds);
      assertThat(load.ok.get()).as("requests served while etcd was away")
          .isGreaterThan(servedDuringOutage);
      etcd.start();
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
          c.register("after", Inference.writeModel(dir.resolve("models"), 98)) != null);
      assertThat(load.failedAfterMark.get()).as("failed requests to loaded models: %s",
          load.failures).isZero();
      assertThat(load.wrong.get()).isZero();
    }
    for (TestNode n : List.of(a, b, c)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> n.node.registry().modelCount() == 11);
    }
    assertThat(Inference.answeredBy(a.inference.modelInfer(
        Inference.request("after", Inference.row(98))), 98, Inference.row(98))).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        MeshIT.status(b, "after").getStatus() == ModelStatus.LOADED
        && a.node.registry().view().instances().size() == 3);
  }
}
