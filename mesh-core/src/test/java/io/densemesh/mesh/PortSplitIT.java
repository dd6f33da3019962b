package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.peer.DropCopyRequest;
import io.densemesh.api.peer.PeerControlGrpc;
import io.densemesh.config.ConfigException;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Files;
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
 * The client and internal ports of an authenticated two-node mesh on a real etcd: node-to-node
 * traffic (forwarding, peer control) goes over the internal port with the mesh secret; the client
 * port serves no internal service and refuses the internal headers; the internal port refuses
 * callers without the secret.
 */
class PortSplitIT {

  static final String SECRET = "0123456789abcdef-mesh-secret";

  @TempDir static Path etcdDir;
  static EtcdProcess etcd;
  static int meshes;

  @TempDir Path dir;
  final List<TestNode> nodes = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();
  Path keys;
  Path secret;
  String prefix;

  @BeforeAll
  static void startEtcd() {
    etcd = new EtcdProcess(etcdDir);
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @BeforeEach
  void files() throws Exception {
    prefix = "/densemesh/port-split-" + (++meshes) + "/";
    keys = dir.resolve("api-keys");
    Files.write(keys, List.of(Tokens.apiKeyLine("key-a", "a", "tenant"),
        Tokens.apiKeyLine("key-admin", "-", "admin")));
    secret = dir.resolve("mesh-secret");
    Files.writeString(secret, SECRET + "\n");
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    nodes.forEach(TestNode::close);
  }

  TestNode node(String id, String... extra) {
    List<String> flags = new ArrayList<>(List.of("--instance-id", id, "--etcd", etcd.endpoint(),
        "--etcd-prefix", prefix, "--lease-ttl", "3s", "--etcd-timeout", "10s",
        "--drain-timeout", "5s", "--api-keys-file", keys.toString()));
    flags.addAll(List.of(extra));
    TestNode node = new TestNode(dir.resolve(id), flags.toArray(String[]::new));
    nodes.add(node);
    return node;
  }

  ManagedChannel internal(TestNode node) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1",
        node.node.internalPort()).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  static double forwarded(TestNode node) {
    Counter c = node.node.metrics().registry().find("densemesh.forwards")
        .tag("result", "ok").counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void peersForwardOverTheInternalPortWithTheMeshSecret() {
    TestNode a = node("a", "--mesh-secret-file", secret.toString());
    TestNode b = node("b", "--mesh-secret-file", secret.toString());
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream()
        .allMatch(n -> n.node.registry().view().instances().size() == 2));
    assertThat(a.node.address()).endsWith(":" + a.node.internalPort());
    assertThat(a.node.registry().view().instances().get("b").getAddress())
        .endsWith(":" + b.node.internalPort());

    Path file = Inference.writeModel(dir.resolve("models"), 11);
    Bearer.as(a.mesh, "key-a").registerModel(RegisterModelRequest.newBuilder().setModelId("m")
        .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(file.toString())).build());
    Bearer.as(MeshAdminGrpc.newBlockingStub(a.channel), "key-admin").setModelPolicy(
        SetModelPolicyRequest.newBuilder().setModelId("m").setMaxCopies(1).setTenant("a")
            .build());
    float[] row = Inference.row(11);
    // Whichever node loads the single copy, asking both makes one of them forward to the other.
    for (TestNode n : List.of(a, b, a, b)) {
      assertThat(Inference.answeredBy(Bearer.as(n.inference, "key-a").modelInfer(
          Inference.request("m", row)), 11, row)).isTrue();
    }
    assertThat(forwarded(a) + forwarded(b)).isGreaterThanOrEqualTo(1);
  }

  @Test
  void theClientPortServesNoInternalServiceAndRefusesInternalHeaders() {
    TestNode a = node("a", "--mesh-secret-file", secret.toString());
    assertThatThrownBy(() -> Bearer.as(PeerControlGrpc.newBlockingStub(a.channel), "key-admin")
        .dropCopy(DropCopyRequest.newBuilder().setModelId("m").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    for (String header : List.of("dm-load-here", "dm-hop", "dm-exclude", "dm-mesh-secret")) {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
          Bearer.with(Bearer.as(a.inference, "key-admin"), header, "1");
      assertThatThrownBy(() -> stub.modelInfer(Inference.request("m", Inference.row(1))))
          .as(header)
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(header)
                .contains("not accepted on the client port");
          });
    }
  }

  @Test
  void theInternalPortRefusesCallersWithoutTheMeshSecret() {
    TestNode a = node("a", "--mesh-secret-file", secret.toString());
    var stranger = PeerControlGrpc.newBlockingStub(internal(a));
    assertThatThrownBy(() -> stranger.dropCopy(DropCopyRequest.newBuilder().setModelId("m")
        .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    var guesser = Bearer.with(stranger, "dm-mesh-secret", "not-the-secret-at-all");
    assertThatThrownBy(() -> guesser.dropCopy(DropCopyRequest.newBuilder().setModelId("m")
        .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    Bearer.with(stranger, "dm-mesh-secret", SECRET).dropCopy(DropCopyRequest.newBuilder()
        .setModelId("m").build());
  }

  @Test
  void anAuthenticatedMeshWithoutAMeshSecretDoesNotStart() {
    assertThatThrownBy(() -> node("a")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--mesh-secret-file");
  }
}
