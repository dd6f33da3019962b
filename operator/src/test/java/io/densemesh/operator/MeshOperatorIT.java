package io.densemesh.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.GetPlacementConfigRequest;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.operator.mesh.MeshConnector;
import io.densemesh.operator.resource.Fields;
import io.densemesh.operator.resource.Kinds;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.TestNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator with a two-node mesh on a real etcd: it talks to one node, and the other node
 * serves the InferenceService, applies the PlacementPolicy, and sees the registrations come back
 * after the registry's models and vmodels are deleted from etcd.
 */
@EnableKubernetesMockClient(crud = true)
class MeshOperatorIT {

  static final String NS = "mesh";
  static final String PREFIX = "/densemesh/operator-it/";

  @TempDir Path dir;
  KubernetesClient client;
  EtcdProcess etcd;
  TestNode a;
  TestNode b;
  Operator operator;

  TestNode node(String id) {
    return new TestNode(dir.resolve(id), "--instance-id", id, "--etcd", etcd.endpoint(),
        "--etcd-prefix", PREFIX, "--lease-ttl", "3s", "--labels", "format:onnx",
        "--drain-timeout", "1s");
  }

  @BeforeEach
  void start() {
    etcd = new EtcdProcess(dir);
    a = node("node-a");
    b = node("node-b");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.node.registry().view().instances()
        .size() == 2 && b.node.registry().view().instances().size() == 2);
    OperatorConfig config = OperatorCommand.parse(List.of("--namespace", NS,
        "--resync-period", "1s", "--status-poll-interval", "200ms"), Map.of());
    operator = new Operator(client, config, cache -> MeshConnector.fixed(
        "127.0.0.1:" + a.node.grpcPort(), Duration.ofSeconds(10)), Clock.systemUTC()).start();
  }

  @AfterEach
  void stop() {
    operator.close();
    b.close();
    a.close();
    etcd.close();
  }

  String active(String isvc) {
    var r = client.genericKubernetesResources(Kinds.INFERENCE_SERVICE).inNamespace(NS)
        .withName(isvc).get();
    return Fields.of(r.getAdditionalProperties().get("status"), "status", "")
        .object("modelStatus").object("states").string("activeModelState").orElse("");
  }

  static VModelStatusInfo vmodel(TestNode node, String name) {
    return node.mesh.getVModelStatus(GetVModelStatusRequest.newBuilder().setVModelId(name)
        .build());
  }

  @Test
  void inferenceServiceAndPolicyReachEveryNodeAndSurviveARegistryWipe() throws Exception {
    Path model = Files.write(dir.resolve("m.onnx"), SampleModels.linearClassifier(505,
        OperatorIT.F, OperatorIT.C));
    client.genericKubernetesResources(Kinds.SERVING_RUNTIME).inNamespace(NS)
        .resource(TestManifests.yaml(OperatorIT.ONNX_RUNTIME)).create();
    client.genericKubernetesResources(Kinds.INFERENCE_SERVICE).inNamespace(NS)
        .resource(TestManifests.yaml(OperatorIT.isvc("churn", model.toUri().toString())))
        .create();
    await().atMost(Duration.ofSeconds(60)).until(() -> active("churn"), s -> s.equals("Loaded"));

    float[] row = {3f, 1f, -2f, 0.5f};
    assertThat(OperatorIT.producedBy(b.inference.modelInfer(OperatorIT.request("churn", row)),
        row, 505)).as("served through the other node").isEqualTo(505);

    client.genericKubernetesResources(Kinds.PLACEMENT_POLICY).inNamespace(NS)
        .resource(TestManifests.yaml("""
            apiVersion: densemesh.io/v1alpha1
            kind: PlacementPolicy
            metadata: {name: mesh-wide}
            spec:
              eviction: cost-aware
              tenantQuotaFraction: 0.5
            """)).create();
    var adminB = MeshAdminGrpc.newBlockingStub(b.channel);
    await().atMost(Duration.ofSeconds(30)).until(() -> adminB.getPlacementConfig(
        GetPlacementConfigRequest.getDefaultInstance()).getSettingsMap(),
        m -> m.equals(Map.of("eviction", "cost-aware", "tenantQuotaFraction", "0.5")));

    String modelId = vmodel(b, "churn").getActiveModelId();
    long deleted;
    try (Client etcdClient = Client.builder().endpoints(etcd.endpoint()).build()) {
      DeleteOption prefix = DeleteOption.builder().isPrefix(true).build();
      deleted = etcdClient.getKVClient().delete(bytes(PREFIX + "vmodels/"), prefix).get()
          .getDeleted()
          + etcdClient.getKVClient().delete(bytes(PREFIX + "models/"), prefix).get()
          .getDeleted();
    }
    assertThat(deleted).as("the vmodel and its model were in etcd").isGreaterThanOrEqualTo(2);
    await().atMost(Duration.ofSeconds(30)).until(() -> vmodel(b, "churn"),
        v -> v.getStatus() != VModelStatus.NOT_FOUND && v.getTargetModelId().equals(modelId));
    await().atMost(Duration.ofSeconds(30)).until(() -> OperatorIT.producedBy(
        b.inference.modelInfer(OperatorIT.request("churn", row)), row, 505) == 505);
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
