package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.RegisterModelWithPolicyRequest;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.inference.RepositoryIndexRequest;
import io.densemesh.api.inference.RepositoryModelLoadRequest;
import io.densemesh.api.inference.RepositoryModelUnloadRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository extension across two real nodes sharing a real etcd: a load through one node
 * makes the model ready on both, an unload through one drops the copies the other holds (over
 * PeerControl on the internal port), and the model stays registered and serves again.
 */
class RepositoryMeshIT {

  static final long SEED = 5;

  @TempDir static Path etcdDir;
  static EtcdProcess etcd;

  @TempDir Path dir;
  final List<TestNode> nodes = new ArrayList<>();
  TestNode a;
  TestNode b;

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
    String prefix = "/densemesh/repository-it-" + System.nanoTime() + "/";
    a = node("a", prefix);
    b = node("b", prefix);
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().allMatch(
        t -> t.node.registry().view().instances().size() == 2));
  }

  @AfterEach
  void stopMesh() {
    nodes.forEach(TestNode::close);
  }

  TestNode node(String id, String prefix) {
    TestNode node = new TestNode(dir.resolve(id), "--instance-id", id, "--etcd",
        etcd.endpoint(), "--etcd-prefix", prefix, "--lease-ttl", "3s", "--capacity", "1g",
        "--etcd-timeout", "10s");
    nodes.add(node);
    return node;
  }

  static boolean ready(TestNode node, String model) {
    return node.inference.modelReady(ModelReadyRequest.newBuilder().setName(model).build())
        .getReady();
  }

  static int copies(TestNode node, String model) {
    return node.node.registry().view().copiesOf(model).size();
  }

  @Test
  void unloadThroughOneNodeDropsTheCopiesEveryNodeHoldsAndTheModelStaysServable() {
    var admin = MeshAdminGrpc.newBlockingStub(a.channel);
    admin.registerModel(RegisterModelWithPolicyRequest.newBuilder()
        .setRegistration(RegisterModelRequest.newBuilder().setModelId("m")
            .setModelInfo(ModelInfo.newBuilder().setType("onnx")
                .setPath(Inference.writeModel(dir.resolve("models"), SEED).toString())))
        .setMinCopies(2).build());
    // The leader loads the two copies min copies asks for, one on each node.
    await().atMost(Duration.ofSeconds(20)).until(() -> a.node.registry().view().loadedOn("m")
        .size() == 2);
    assertThatThrownBy(() -> b.inference.repositoryModelUnload(RepositoryModelUnloadRequest
        .newBuilder().setModelName("m").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    admin.setModelPolicy(SetModelPolicyRequest.newBuilder().setModelId("m").setMinCopies(0)
        .build());

    assertThat(b.inference.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
        .setModelName("m").build()).getIsUnloaded()).isTrue();

    await().atMost(Duration.ofSeconds(10)).until(() -> copies(a, "m") == 0
        && copies(b, "m") == 0);
    // The leader (every 2 s) would warm a model without copies in this empty mesh; not this one.
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
        .until(() -> copies(a, "m") == 0);
    assertThat(a.node.cache().copyState("m")).isEmpty();
    assertThat(b.node.cache().copyState("m")).isEmpty();
    assertThat(ready(a, "m")).isFalse();
    assertThat(a.inference.repositoryIndex(RepositoryIndexRequest.getDefaultInstance())
        .getModels(0).getState()).isEqualTo("UNAVAILABLE");

    assertThat(a.inference.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
        .setModelName("m").build()).getIsLoaded()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> ready(b, "m"));
    assertThat(Inference.answeredBy(b.inference.modelInfer(
        Inference.request("m", Inference.row(SEED))), SEED, Inference.row(SEED))).isTrue();
    assertThat(copies(a, "m")).as("one copy for one load").isEqualTo(1);
  }
}
