package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.GetPlacementConfigRequest;
import io.densemesh.api.admin.ListInstancesRequest;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-JVM nodes on loopback sharing one real etcd behave as one server. */
class MeshIT {

  @TempDir static Path etcdDir;
  static EtcdProcess etcd;
  static final AtomicInteger meshes = new AtomicInteger();

  @TempDir Path dir;
  final List<TestNode> nodes = new ArrayList<>();
  String prefix;
  TestNode a;
  TestNode b;
  TestNode c;

  @BeforeAll
  static void startEtcd() {
    etcd = new EtcdProcess(etcdDir);
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @BeforeEach
  void startMesh() {
    prefix = "/densemesh/mesh-it-" + meshes.incrementAndGet() + "/";
    a = node("a");
    b = node("b");
    c = node("c");
    awaitMembers(3);
  }

  @AfterEach
  void stopMesh() {
    nodes.forEach(TestNode::close);
  }

  TestNode node(String id, String... extra) {
    List<String> flags = new ArrayList<>(List.of("--instance-id", id, "--etcd", etcd.endpoint(),
        "--etcd-prefix", prefix, "--lease-ttl", "3s", "--capacity", "1g", "--etcd-timeout", "10s",
        "--drain-timeout", "20s"));
    flags.addAll(List.of(extra));
    TestNode node = new TestNode(dir.resolve(id), flags.toArray(String[]::new));
    nodes.add(node);
    return node;
  }

  void awaitMembers(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().allMatch(
        t -> t.node.registry().view().instances().size() == n));
  }

  static double loads(TestNode node) {
    Counter counter = node.node.metrics().registry().find("densemesh.model.loads")
        .tag("result", "success").counter();
    return counter == null ? 0 : counter.count();
  }

  Path model(long seed) {
    return Inference.writeModel(dir.resolve("models"), seed);
  }

  @Test
  void twoHundredModelsRegisteredOnOneNodeServeCorrectlyThroughAnotherLoadingEachOnce()
      throws Exception {
    int models = 200;
    for (int i = 0; i < models; i++) {
      a.register("m" + i, model(i));
    }
    await().atMost(Duration.ofSeconds(10))
        .until(() -> c.node.registry().modelCount() == models);
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < models; i++) {
        int seed = i;
        calls.add(() -> Inference.answeredBy(
            c.inference.modelInfer(Inference.request("m" + seed, Inference.row(seed))), seed,
            Inference.row(seed)));
      }
      for (Future<Boolean> f : clients.invokeAll(calls)) {
        assertThat(f.get()).as("right model answered").isTrue();
      }
    } finally {
      clients.shutdownNow();
    }
    // The load counter ticks just after a load's waiters are released: wait for it to settle.
    await().atMost(Duration.ofSeconds(5)).until(() -> loads(a) + loads(b) + loads(c) >= models);
    assertThat(loads(a) + loads(b) + loads(c)).as("each model loaded once across the mesh")
        .isEqualTo(models);
    List<Double> perNode = List.of(loads(a), loads(b), loads(c));
    assertThat(perNode).as("placement spreads loads over the nodes: %s", perNode)
        .allMatch(n -> n >= 10);
    // A second pass is all hits: no more loads.
    for (int i = 0; i < models; i += 10) {
      assertThat(Inference.answeredBy(
          a.inference.modelInfer(Inference.request("m" + i, Inference.row(i))), i,
          Inference.row(i))).isTrue();
    }
    assertThat(loads(a) + loads(b) + loads(c)).isEqualTo(models);
  }

  @Test
  void managementAnswersTheSameOnEveryNode() {
    b.register("shared", model(1));
    a.inference.modelInfer(Inference.request("shared", Inference.row(1)));
    await().atMost(Duration.ofSeconds(5)).until(() -> List.of(a, b, c).stream().allMatch(
        t -> status(t, "shared").getStatus() == ModelStatus.LOADED));
    ModelStatusInfo onA = status(a, "shared");
    assertThat(onA.getModelCopyInfosCount()).isEqualTo(1);
    assertThat(status(b, "shared")).isEqualTo(onA);
    assertThat(status(c, "shared")).isEqualTo(onA);
    assertThat(status(c, "nobody").getStatus()).isEqualTo(ModelStatus.NOT_FOUND);

    // REST on a node that does not hold the model: forwarded, same answer.
    TestNode without = List.of(a, b, c).stream().filter(t -> !t.node.cache().isLoaded("shared"))
        .findFirst().orElseThrow();
    float[] row = Inference.row(1);
    var rest = without.post("/v2/models/shared/infer", "{\"inputs\":[{\"name\":\"input\","
        + "\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[" + row[0] + "," + row[1] + ","
        + row[2] + "," + row[3] + "]}]}");
    assertThat(rest.statusCode()).isEqualTo(200);
    float expected = io.densemesh.runtime.onnx.gen.SampleModels.expectedLogits(1,
        Inference.FEATURES, Inference.CLASSES, row)[0];
    assertThat(rest.body()).contains("\"name\":\"logits\"").contains(Float.toString(expected));
    assertThat(without.get("/v2/models/shared/ready").statusCode()).isEqualTo(200);
    assertThat(without.scrapeMetrics()).contains("densemesh_forwards_total{result=\"ok\"");

    var instances = MeshAdminGrpc.newBlockingStub(b.channel)
        .listInstances(ListInstancesRequest.getDefaultInstance());
    assertThat(instances.getInstancesList()).extracting(i -> i.getInstanceId())
        .containsExactly("a", "b", "c");
  }

  static ModelStatusInfo status(TestNode node, String id) {
    return node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId(id).build());
  }

  @Test
  void racingRegistrationsOfOneIdHaveOneWinner() throws Exception {
    Path first = model(1);
    Path second = model(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Boolean> viaA = pool.submit(() -> registers(a, "race", first));
      Future<Boolean> viaB = pool.submit(() -> registers(b, "race", second));
      assertThat(List.of(viaA.get(), viaB.get())).containsExactlyInAnyOrder(true, false);
    } finally {
      pool.shutdownNow();
    }
  }

  static boolean registers(TestNode node, String id, Path file) {
    try {
      node.register(id, file);
      return true;
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
      return false;
    }
  }

  @Test
  void aModelThatFailsToLoadFailsFastWithItsReasonAfterAFewNodesTried() throws Exception {
    Path broken = Files.write(dir.resolve("broken.onnx"), new byte[] {7, 7, 7});
    a.mesh.registerModel(RegisterModelRequest.newBuilder().setModelId("broken")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(broken.toString()))
        .build());
    for (int i = 0; i < 6; i++) {
      TestNode via = List.of(a, b, c).get(i % 3);
      assertThatThrownBy(() -> via.inference.modelInfer(Inference.request("broken",
          Inference.row(1))))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("could not load");
          });
    }
    double failures = 0;
    for (TestNode t : List.of(a, b, c)) {
      Counter counter = t.node.metrics().registry().find("densemesh.model.loads")
          .tag("result", "failure").counter();
      failures += counter == null ? 0 : counter.count();
    }
    assertThat(failures).as("tries stop once it failed on every node").isLessThanOrEqualTo(3);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        status(c, "broken").getStatus() == ModelStatus.LOADING_FAILED);
  }

  @Test
  void placementConfigPushedThroughOneNodeIsAppliedByAll() {
    var admin = MeshAdminGrpc.newBlockingStub(a.channel);
    admin.setPlacementConfig(PlacementConfig.newBuilder()
        .putSettings("eviction", "cost-aware").putSettings("loadingConcurrency", "3").build());
    await().atMost(Duration.ofSeconds(5)).until(() -> List.of(a, b, c).stream().allMatch(
        t -> t.node.cache().loadingSlots() == 3));
    assertThat(MeshAdminGrpc.newBlockingStub(c.channel)
        .getPlacementConfig(GetPlacementConfigRequest.getDefaultInstance()).getSettingsMap())
        .isEqualTo(Map.of("eviction", "cost-aware", "loadingConcurrency", "3"));
    assertThatThrownBy(() -> admin.setPlacementConfig(PlacementConfig.newBuilder()
        .putSettings("eviction", "random").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("eviction");
        });
    assertThat(MeshAdminGrpc.newBlockingStub(b.channel)
        .getPlacementConfig(GetPlacementConfigRequest.getDefaultInstance()).getSettingsMap())
        .as("a rejected config changes nothing").containsEntry("eviction", "cost-aware");
  }

  @Test
  void theLeaderKeepsAModelAtItsMinimumCopies() {
    MeshAdminGrpc.newBlockingStub(b.channel).registerModel(
        io.densemesh.api.admin.RegisterModelWithPolicyRequest.newBuilder()
            .setRegistration(RegisterModelRequest.newBuilder().setModelId("pinned")
                .setModelInfo(ModelInfo.newBuilder().setType("onnx")
                    .setPath(model(3).toString())))
            .setMinCopies(2).setMaxCopies(2).setTenant("t1").build());
    // a sees b's write through its etcd watch: wait for it rather than racing the mirror.
    await().atMost(Duration.ofSeconds(5)).until(() -> a.node.registry().model("pinned")
        .isPresent());
    assertThat(a.node.registry().model("pinned").orElseThrow().value().getMinCopies())
        .isEqualTo(2);
    await().atMost(Duration.ofSeconds(20)).until(() ->
        c.node.registry().view().loadedOn("pinned").size() == 2);
    assertThat(Inference.answeredBy(c.inference.modelInfer(
        Inference.request("pinned", Inference.row(3))), 3, Inference.row(3))).isTrue();
  }

  @Test
  void aBusyModelGetsASecondCopy() throws Exception {
    // "Busy" is relative to the live per-copy rate: set it far below what any machine reaches
    // (one request every 5 s), so the test does not depend on the machine's speed.
    MeshAdminGrpc.MeshAdminBlockingStub admin = MeshAdminGrpc.newBlockingStub(a.channel);
    admin.setPlacementConfig(PlacementConfig.newBuilder()
        .putSettings("perCopyRatePerSecond", "0.2").build());
    a.register("hot", model(5));
    admin.setModelPolicy(SetModelPolicyRequest.newBuilder()
        .setModelId("hot").setMaxCopies(2).build());
    ExecutorService clients = Executors.newFixedThreadPool(3);
    AtomicInteger wrong = new AtomicInteger();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (TestNode via : List.of(a, b, c)) {
        running.add(clients.submit(() -> {
          while (!Thread.currentThread().isInterrupted()
              && a.node.registry().view().loadedOn("hot").size() < 2) {
            ModelInferResponse r = via.inference.modelInfer(
                Inference.request("hot", Inference.row(5)));
            if (!Inference.answeredBy(r, 5, Inference.row(5))) {
              wrong.incrementAndGet();
            }
          }
          return null;
        }));
      }
      await().atMost(Duration.ofSeconds(40)).until(() ->
          a.node.registry().view().loadedOn("hot").size() == 2);
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(wrong.get()).isZero();
  }

  @Test
  void aStoppingNodeMovesItsModelsInUseBeforeItLeaves() {
    for (int i = 0; i < 6; i++) {
      b.register("d" + i, model(10 + i));
      b.inference.modelInfer(Inference.request("d" + i, Inference.row(10 + i)));
    }
    List<String> onB = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      if (b.node.cache().isLoaded("d" + i)) {
        onB.add("d" + i);
      }
    }
    assertThat(onB).isNotEmpty();
    nodes.remove(b);
    b.close(); // drains first
    await().atMost(Duration.ofSeconds(5)).until(() ->
        !a.node.registry().view().instances().containsKey("b"));
    for (String id : onB) {
      assertThat(a.node.registry().view().loadedOn(id)).as(id + " moved")
          .isNotEmpty().doesNotContain("b");
    }
    for (int i = 0; i < 6; i++) {
      long seed = 10 + i;
      assertThat(Inference.answeredBy(a.inference.modelInfer(
          Inference.request("d" + i, Inference.row(seed))), seed, Inference.row(seed))).isTrue();
    }
  }

  @Test
  void aVModelSetThroughOneNodeServesThroughAnotherAndMovesToItsNewTarget() {
    var setV1 = io.densemesh.api.mmesh.SetVModelRequest.newBuilder().setVModelId("isvc")
        .setTargetModelId("isvc__v1").setAutoDeleteTargetModel(true).setLoadNow(true)
        .setSync(true).setModelInfo(ModelInfo.newBuilder().setType("onnx")
            .setPath(model(31).toString()))
        .build();
    a.mesh.setVModel(setV1);
    assertThat(Inference.answeredBy(c.inference.modelInfer(
        Inference.request("isvc", Inference.row(31))), 31, Inference.row(31))).isTrue();

    b.mesh.setVModel(setV1.toBuilder().setTargetModelId("isvc__v2")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model(32).toString()))
        .setSync(false).build());
    await().atMost(Duration.ofSeconds(20)).until(() -> c.mesh.getVModelStatus(
            io.densemesh.api.mmesh.GetVModelStatusRequest.newBuilder().setVModelId("isvc")
                .build()).getActiveModelId().equals("isvc__v2"));
    assertThat(Inference.answeredBy(a.inference.modelInfer(
        Inference.request("isvc", Inference.row(32))), 32, Inference.row(32))).isTrue();
    await("the old auto-delete target is unregistered").atMost(Duration.ofSeconds(10))
        .until(() -> c.node.registry().model("isvc__v1").isEmpty());
  }

  @Test
  void aRestartedNodeRejoinsAndServes() {
    a.register("r1", model(21));
    nodes.remove(c);
    c.close();
    awaitMembers(2);
    TestNode again = node("c");
    awaitMembers(3);
    assertThat(again.node.registry().model("r1")).isPresent();
    assertThat(Inference.answeredBy(again.inference.modelInfer(
        Inference.request("r1", Inference.row(21))), 21, Inference.row(21))).isTrue();
  }
}
