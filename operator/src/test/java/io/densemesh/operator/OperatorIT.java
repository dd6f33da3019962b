package io.densemesh.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.densemesh.api.admin.GetPlacementConfigRequest;
import io.densemesh.api.admin.ListModelsRequest;
import io.densemesh.api.admin.ListModelsResponse;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.mmesh.DeleteVModelRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.operator.mesh.MeshConnector;
import io.densemesh.operator.resource.Fields;
import io.densemesh.operator.resource.Kinds;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.operator.runtime.NodeCredentials;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.TestNode;
import io.fabric8.kubernetes.api.model.Secret;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator against fabric8's Kubernetes mock server (CRUD mode: a real HTTP API with watches,
 * status subresource and finalizers, no schema validation) and a real DenseMesh node on loopback
 * serving real ONNX models.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorIT {

  static final String NS = "models";
  static final int F = 4;
  static final int C = 3;

  @TempDir static Path dir;
  static TestNode node;

  KubernetesClient client;
  Operator operator;

  @BeforeAll
  static void startNode() {
    node = new TestNode(dir.resolve("registry"));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @BeforeEach
  void startOperator() {
    operator = startOperator(List.of());
  }

  Operator startOperator(List<String> extraFlags) {
    List<String> flags = new java.util.ArrayList<>(List.of("--namespace", NS,
        "--resync-period", "1s", "--status-poll-interval", "200ms",
        "--node-image", "densemesh/node:it"));
    flags.addAll(extraFlags);
    OperatorConfig config = OperatorCommand.parse(flags, Map.of());
    // The target follows the static node, so a test may replace the node (a fresh registry).
    return new Operator(client, config, cache -> new MeshConnector(
        () -> Optional.of("127.0.0.1:" + node.node.grpcPort()), Duration.ofSeconds(10)),
        Clock.systemUTC()).start();
  }

  @AfterEach
  void stopOperator() {
    operator.close();
  }

  @Test
  void readyOnceWatchingNotAfterClose() {
    // What /readyz answers: started() returned after the informers listed, so they watch.
    assertThat(operator.watching()).isTrue();
    Operator other = startOperator(List.of());
    other.close();
    assertThat(other.watching()).as("closed informers do not watch").isFalse();
  }

  static Path model(long seed) throws Exception {
    Path file = dir.resolve("m" + seed + ".onnx");
    if (!Files.exists(file)) {
      Files.write(file, SampleModels.linearClassifier(seed, F, C));
    }
    return file;
  }

  static final String ONNX_RUNTIME = """
      apiVersion: serving.kserve.io/v1alpha1
      kind: ServingRuntime
      metadata:
        name: densemesh-onnx
      spec:
        multiModel: true
        supportedModelFormats:
          - name: onnx
            version: "1"
            autoSelect: true
        containers:
          - name: densemesh
            resources:
              limits: {memory: 1Gi}
      """;

  static String isvc(String name, String storageUri) {
    return """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: %s
          labels: {tier: gold}
          annotations:
            serving.kserve.io/deploymentMode: ModelMesh
        spec:
          predictor:
            model:
              modelFormat: {name: onnx}
              storageUri: %s
        """.formatted(name, storageUri);
  }

  GenericKubernetesResource apply(ResourceDefinitionContext kind, String yaml) {
    GenericKubernetesResource r = TestManifests.yaml(yaml);
    var ops = client.genericKubernetesResources(kind);
    return (kind.isNamespaceScoped() ? ops.inNamespace(NS) : ops).resource(r).create();
  }

  GenericKubernetesResource apply(ResourceDefinitionContext kind, GenericKubernetesResource r) {
    var ops = client.genericKubernetesResources(kind);
    return (kind.isNamespaceScoped() ? ops.inNamespace(NS) : ops).resource(r).create();
  }

  GenericKubernetesResource get(ResourceDefinitionContext kind, String name) {
    var ops = client.genericKubernetesResources(kind);
    return (kind.isNamespaceScoped() ? ops.inNamespace(NS) : ops).withName(name).get();
  }

  Fields status(ResourceDefinitionContext kind, String name) {
    GenericKubernetesResource r = get(kind, name);
    return Fields.of(r == null ? null : r.getAdditionalProperties().get("status"), "status", "");
  }

  String activeState(String isvc) {
    Fields ms = status(Kinds.INFERENCE_SERVICE, isvc).object("modelStatus");
    return ms.object("states").string("activeModelState").orElse("") + "/"
        + ms.object("states").string("targetModelState").orElse("") + "/"
        + ms.string("transitionStatus").orElse("");
  }

  Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  static VModelStatusInfo vmodel(String name) {
    return node.mesh.getVModelStatus(GetVModelStatusRequest.newBuilder().setVModelId(name)
        .build());
  }

  static ModelStatus modelStatus(String id) {
    return node.mesh.getModelStatus(GetStatusRequest.newBuilder().setModelId(id).build())
        .getStatus();
  }

  static ModelInferResponse infer(String modelName, float[] row) {
    return node.inference.modelInfer(request(modelName, row));
  }

  static ModelInferRequest request(String modelName, float[] row) {
    ByteBuffer raw = ByteBuffer.allocate(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : row) {
      raw.putFloat(v);
    }
    return ModelInferRequest.newBuilder().setModelName(modelName)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(SampleModels.INPUT)
            .setDatatype("FP32").addShape(1).addShape(row.length))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
  }

  /** Which of the candidate seeds' models produced the response's logits (-1: none). */
  static long producedBy(ModelInferResponse response, float[] row, long... seeds) {
    int idx = -1;
    for (int i = 0; i < response.getOutputsCount(); i++) {
      if (response.getOutputs(i).getName().equals(SampleModels.LOGITS)) {
        idx = i;
      }
    }
    ByteBuffer b = response.getRawOutputContents(idx).asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] actual = new float[b.remaining() / 4];
    for (int i = 0; i < actual.length; i++) {
      actual[i] = b.getFloat();
    }
    outer:
    for (long seed : seeds) {
      float[] expected = SampleModels.expectedLogits(seed, F, C, row);
      for (int c = 0; c < C; c++) {
        if (Math.abs(expected[c] - actual[c]) > 1e-4f) {
          continue outer;
        }
      }
      return seed;
    }
    return -1;
  }

  @Test
  void aRuntimeAskingForPrivilegesRunsOnlyWhenTheOperatorAllowsIt() {
    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME.replace("densemesh-onnx", "rt-host") + """
          volumes:
            - name: host-root
              hostPath: {path: /}
        """);
    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME.replace("densemesh-onnx", "rt-plain"));
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-rt-plain") != null);
    // Both were reconciled on the same resync cycles; the privileged one got nothing.
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> deployment("densemesh-rt-host") == null);
    assertThat(deployment("densemesh-rt-plain").getSpec().getTemplate().getSpec()
        .getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();

    operator.close();
    operator = startOperator(List.of("--allow-privileged-runtimes", "true"));
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-rt-host") != null);
    assertThat(deployment("densemesh-rt-host").getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(v -> v.getHostPath() != null && v.getHostPath().getPath().equals("/"));
  }

  @Test
  void servingRuntimeBecomesNodeDeploymentAndServiceThatFollowItsChanges() {
    GenericKubernetesResource runtime = apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME.replace(
        "densemesh-onnx", "rt-a"));
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-rt-a") != null);
    Deployment d = deployment("densemesh-rt-a");
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
      assertThat(ref.getKind()).isEqualTo("ServingRuntime");
      assertThat(ref.getName()).isEqualTo("rt-a");
      assertThat(ref.getUid()).isEqualTo(runtime.getMetadata().getUid());
    });
    var node = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(node.getImage()).isEqualTo("densemesh/node:it");
    assertThat(node.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("DM_LABELS");
      assertThat(e.getValue()).isEqualTo("format:onnx");
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> client.services().inNamespace(NS)
        .withName("densemesh-rt-a").get() != null);
    assertThat(client.services().inNamespace(NS).withName("densemesh-rt-a").get().getSpec()
        .getPorts()).extracting(p -> p.getName() + ":" + p.getPort())
        .containsExactly("grpc:8033", "http:8008", "metrics:2112");

    client.genericKubernetesResources(Kinds.SERVING_RUNTIME).inNamespace(NS).withName("rt-a")
        .edit(r -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
          spec.put("replicas", 3);
          return r;
        });
    await().atMost(Duration.ofSeconds(30))
        .until(() -> deployment("densemesh-rt-a").getSpec().getReplicas() == 3);

    client.genericKubernetesResources(Kinds.SERVING_RUNTIME).inNamespace(NS).withName("rt-a")
        .edit(r -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
          spec.put("disabled", true);
          return r;
        });
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-rt-a") == null
        && client.services().inNamespace(NS).withName("densemesh-rt-a").get() == null);

    client.genericKubernetesResources(Kinds.SERVING_RUNTIME).inNamespace(NS).withName("rt-a")
        .edit(r -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
          spec.remove("disabled");
          return r;
        });
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-rt-a") != null);
    client.genericKubernetesResources(Kinds.SERVING_RUNTIME).inNamespace(NS).withName("rt-a")
        .delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-rt-a") == null);
  }

  @Test
  void inferenceServiceIsServedTransitionsWithoutFailedRequestsAndIsDeleted() throws Exception {
    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME);
    apply(Kinds.INFERENCE_SERVICE, isvc("fraud", model(101).toUri().toString()));

    await().atMost(Duration.ofSeconds(60)).until(() -> activeState("fraud"),
        s -> s.equals("Loaded//UpToDate"));
    Fields status = status(Kinds.INFERENCE_SERVICE, "fraud");
    assertThat(status.string("url")).contains("grpc://densemesh-densemesh-onnx.models:8033");
    assertThat(status.object("components").object("predictor").string("restUrl"))
        .contains("http://densemesh-densemesh-onnx.models:8008");
    assertThat(status.objects("conditions")).extracting(c -> c.string("type").orElseThrow()
        + "=" + c.string("status").orElseThrow())
        .containsExactly("PredictorReady=True", "Ready=True");
    assertThat(status.object("modelStatus").object("copies").integer("totalCopies")).contains(1L);
    assertThat(get(Kinds.INFERENCE_SERVICE, "fraud").getMetadata().getFinalizers())
        .contains("densemesh.io/vmodel");
    VModelStatusInfo registered = vmodel("fraud");
    assertThat(registered.getActiveModelId()).matches("fraud__isvc-[0-9a-f]{10}");
    assertThat(registered.getOwner()).isEqualTo("isvc:models");

    float[] row = {0.5f, -1f, 2f, 0.25f};
    assertThat(producedBy(infer("fraud", row), row, 101)).isEqualTo(101);

    // Change the model while a client keeps calling: every call must succeed.
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger sawNew = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      while (!stop.get() && failure.get() == null) {
        try {
          long seed = producedBy(infer("fraud", row), row, 101, 202);
          if (seed < 0) {
            throw new AssertionError("logits match neither model");
          }
          ok.incrementAndGet();
          if (seed == 202) {
            sawNew.incrementAndGet();
          }
        } catch (Throwable t) {
          failure.set(t);
        }
      }
    }, "inference-caller");
    caller.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > 20);
    String oldModel = registered.getActiveModelId();
    client.genericKubernetesResources(Kinds.INFERENCE_SERVICE).inNamespace(NS).withName("fraud")
        .edit(r -> {
          Fields.of(r.getAdditionalProperties().get("spec"), "spec", "").object("predictor")
              .object("model").raw().put("storageUri", uri(202));
          return r;
        });
    await().atMost(Duration.ofSeconds(60)).until(() -> sawNew.get() > 20
        || failure.get() != null);
    stop.set(true);
    caller.join();
    assertThat(failure.get()).as("no request failed during the transition").isNull();
    await().atMost(Duration.ofSeconds(60)).until(() -> activeState("fraud"),
        s -> s.equals("Loaded//UpToDate"));
    VModelStatusInfo moved = vmodel("fraud");
    assertThat(moved.getActiveModelId()).startsWith("fraud__isvc-").isNotEqualTo(oldModel);
    await("old auto-delete model is gone").atMost(Duration.ofSeconds(30))
        .until(() -> modelStatus(oldModel) == ModelStatus.NOT_FOUND);
    assertThat(producedBy(infer("fraud", row), row, 202)).isEqualTo(202);

    client.genericKubernetesResources(Kinds.INFERENCE_SERVICE).inNamespace(NS).withName("fraud")
        .delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> vmodel("fraud").getStatus()
        == VModelStatus.NOT_FOUND && get(Kinds.INFERENCE_SERVICE, "fraud") == null);
  }

  static String uri(long seed) {
    try {
      return model(seed).toUri().toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  Secret credentials() {
    return client.secrets().inNamespace(NS).withName(NodeCredentials.DEFAULT_SECRET).get();
  }

  /**
   * Node pods start with credentials instead of --insecure: the operator makes the Secret once
   * (random values, kept across restarts), mounts it into node pods, and registers models with
   * its own key, which a node started with the Secret's files accepts.
   */
  @Test
  void nodesAuthenticateWithTheOperatorsSecretAndTheOperatorWithItsKey() throws Exception {
    Secret made = credentials();
    assertThat(made).as("made before any pod needs it").isNotNull();
    Map<String, String> data = Map.copyOf(made.getData());
    startOperator(List.of()).close();
    assertThat(credentials().getData()).as("never regenerated").isEqualTo(data);

    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME);
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-densemesh-onnx"),
        d -> d != null);
    var pod = deployment("densemesh-densemesh-onnx").getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getEnv())
        .noneMatch(e -> e.getName().equals("DM_INSECURE"));
    assertThat(pod.getVolumes()).anyMatch(v -> v.getSecret() != null
        && NodeCredentials.DEFAULT_SECRET.equals(v.getSecret().getSecretName()));

    // The node as such a pod starts it: the Secret's keys as files.
    Path mount = dir.resolve("credentials");
    Files.createDirectories(mount);
    for (String key : data.keySet()) {
      Files.write(mount.resolve(key), java.util.Base64.getDecoder().decode(data.get(key)));
    }
    String operatorKey = Files.readString(mount.resolve(NodeCredentials.OPERATOR_KEY));
    TestNode open = node;
    node = new TestNode(dir.resolve("authenticated-registry"), "--api-keys-file",
        mount.resolve(NodeCredentials.API_KEYS).toString(), "--mesh-secret-file",
        mount.resolve(NodeCredentials.MESH_SECRET).toString());
    try {
      apply(Kinds.INFERENCE_SERVICE, isvc("guarded", uri(505)));
      await().atMost(Duration.ofSeconds(60)).until(() -> activeState("guarded"),
          s -> s.equals("Loaded//UpToDate"));
      float[] row = {0.5f, 1f, -2f, 3f};
      assertThat(producedBy(Bearer.as(node.inference, operatorKey)
          .modelInfer(request("guarded", row)), row, 505)).isEqualTo(505);
      assertThatThrownBy(() -> node.inference.modelInfer(request("guarded", row)))
          .as("the node authenticates").isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    } finally {
      node.close();
      node = open;
    }
  }

  @Test
  void wipedRegistryIsRepairedOnTheNextResync() throws Exception {
    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME);
    apply(Kinds.INFERENCE_SERVICE, isvc("resilient", uri(303)));
    await().atMost(Duration.ofSeconds(60)).until(() -> activeState("resilient"),
        s -> s.equals("Loaded//UpToDate"));
    String modelId = vmodel("resilient").getActiveModelId();

    // (No check that it is gone in between: the operator may already have put it back.)
    node.mesh.deleteVModel(DeleteVModelRequest.newBuilder().setVModelId("resilient").build());

    await().atMost(Duration.ofSeconds(30)).until(() -> vmodel("resilient").getStatus()
        != VModelStatus.NOT_FOUND);
    assertThat(vmodel("resilient").getTargetModelId()).isEqualTo(modelId);
    float[] row = {1f, 2f, 3f, 4f};
    assertThat(producedBy(infer("resilient", row), row, 303)).isEqualTo(303);
    await().atMost(Duration.ofSeconds(60)).until(() -> activeState("resilient"),
        s -> s.equals("Loaded//UpToDate"));

    // A node restarted on an empty registry: the InferenceService is registered again.
    node.close();
    node = new TestNode(dir.resolve("fresh-registry"));
    await().atMost(Duration.ofSeconds(30)).until(() -> vmodel("resilient").getStatus()
        != VModelStatus.NOT_FOUND);
    assertThat(vmodel("resilient").getTargetModelId()).isEqualTo(modelId);
    assertThat(producedBy(infer("resilient", row), row, 303)).isEqualTo(303);
  }

  @Test
  void placementPolicyIsAppliedByTheMesh() throws Exception {
    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME);
    apply(Kinds.INFERENCE_SERVICE, isvc("gold-model", uri(404)));
    await().atMost(Duration.ofSeconds(60)).until(() -> activeState("gold-model"),
        s -> s.equals("Loaded//UpToDate"));
    String modelId = vmodel("gold-model").getActiveModelId();
    apply(Kinds.PLACEMENT_POLICY, """
        apiVersion: densemesh.io/v1alpha1
        kind: PlacementPolicy
        metadata: {name: tuned}
        spec:
          eviction: cost-aware
          placement: p2c
          idleTtl: 10m
          loadingConcurrency: 3
          modelCopies:
            - matchLabels: {tier: gold}
              minCopies: 1
              maxCopies: 2
              tenant: acme
        """);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(Kinds.PLACEMENT_POLICY, "tuned")
        .string("phase").orElse(""), p -> p.equals("Applied"));
    assertThat(status(Kinds.PLACEMENT_POLICY, "tuned").integer("matchedModels")).contains(1L);
    assertThat(admin().getPlacementConfig(GetPlacementConfigRequest.getDefaultInstance())
        .getSettingsMap()).isEqualTo(Map.of("eviction", "cost-aware", "placement", "p2c",
            "idleTtlMillis", "600000", "loadingConcurrency", "3"));
    await().atMost(Duration.ofSeconds(30)).until(() -> entry(modelId).getMaxCopies() == 2);
    ListModelsResponse.Entry bounds = entry(modelId);
    assertThat(bounds.getMinCopies()).isEqualTo(1);
    assertThat(bounds.getTenant()).isEqualTo("acme");

    // A second policy may not set mesh-wide settings too. (Policies created in the same second
    // are ordered by name, so this one sorts after "tuned" either way.)
    apply(Kinds.PLACEMENT_POLICY, """
        apiVersion: densemesh.io/v1alpha1
        kind: PlacementPolicy
        metadata: {name: z-rival}
        spec:
          eviction: lru
        """);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(Kinds.PLACEMENT_POLICY, "z-rival")
        .string("reason").orElse(""), r -> r.equals("Conflict"));
    assertThat(admin().getPlacementConfig(GetPlacementConfigRequest.getDefaultInstance())
        .getSettingsMap()).containsEntry("eviction", "cost-aware");

    // Deleting the policies restores the defaults and the model's bounds.
    client.genericKubernetesResources(Kinds.PLACEMENT_POLICY).inNamespace(NS).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> admin().getPlacementConfig(
        GetPlacementConfigRequest.getDefaultInstance()).getSettingsMap().isEmpty()
        && entry(modelId).getMaxCopies() == 0);
  }

  static MeshAdminGrpc.MeshAdminBlockingStub admin() {
    return MeshAdminGrpc.newBlockingStub(node.channel);
  }

  static ListModelsResponse.Entry entry(String modelId) {
    return admin().listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
        .filter(e -> e.getModelId().equals(modelId)).findFirst().orElseThrow();
  }

  @Test
  void inferenceServiceThatNothingSupportsIsFailedToLoadWithAReason() {
    apply(Kinds.SERVING_RUNTIME, ONNX_RUNTIME);
    apply(Kinds.INFERENCE_SERVICE, isvc("named-runtime", uri(1)).replace(
        "modelFormat: {name: onnx}", "modelFormat: {name: onnx}\n      runtime: ovms-1.x"));
    apply(Kinds.INFERENCE_SERVICE, isvc("odd-format", uri(1)).replace("{name: onnx}",
        "{name: pmml}"));
    await().atMost(Duration.ofSeconds(30)).until(() -> activeState("named-runtime"),
        s -> s.equals("FailedToLoad//InvalidSpec"));
    await().atMost(Duration.ofSeconds(30)).until(() -> activeState("odd-format"),
        s -> s.equals("FailedToLoad//InvalidSpec"));
    assertThat(status(Kinds.INFERENCE_SERVICE, "named-runtime").object("modelStatus")
        .object("lastFailureInfo").string("reason")).contains("RuntimeNotRecognized");
    assertThat(status(Kinds.INFERENCE_SERVICE, "odd-format").object("modelStatus")
        .object("lastFailureInfo").string("reason")).contains("NoSupportingRuntime");
    assertThat(status(Kinds.INFERENCE_SERVICE, "odd-format").objects("conditions").get(1)
        .string("status")).contains("False");
    assertThat(vmodel("named-runtime").getStatus()).isEqualTo(VModelStatus.NOT_FOUND);
    assertThat(vmodel("odd-format").getStatus()).isEqualTo(VModelStatus.NOT_FOUND);
  }

  @Test
  void publishedModelMeshManifestsAreAccepted() {
    apply(Kinds.CLUSTER_SERVING_RUNTIME, TestManifests.resource("/kserve/triton-2.x.yaml"));
    apply(Kinds.CLUSTER_SERVING_RUNTIME, TestManifests.resource("/kserve/mlserver-1.x.yaml"));
    apply(Kinds.INFERENCE_SERVICE, TestManifests.resource("/kserve/example-sklearn-isvc.yaml"));

    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("densemesh-triton-2.x") != null
        && deployment("densemesh-mlserver-1.x") != null);
    assertThat(deployment("densemesh-mlserver-1.x").getSpec().getTemplate().getSpec()
        .getContainers()).extracting(c -> c.getName())
        .containsExactly("densemesh", "mlserver", "mm-runtime-adapter"); // its builtInAdapter
    assertThat(deployment("densemesh-triton-2.x").getMetadata().getOwnerReferences().get(0)
        .getKind()).isEqualTo("ClusterServingRuntime");

    // The sklearn model goes to mlserver's nodes; this test's node has only the embedded ONNX
    // runtime, so the mesh reports the load failure, and the status carries it.
    await().atMost(Duration.ofSeconds(60)).until(() -> activeState("example-sklearn-isvc"),
        s -> s.startsWith("FailedToLoad/"));
    Fields status = status(Kinds.INFERENCE_SERVICE, "example-sklearn-isvc");
    assertThat(status.string("url")).contains("grpc://densemesh-mlserver-1.x.models:8033");
    assertThat(status.object("modelStatus").object("lastFailureInfo").string("message").orElse(""))
        .contains("sklearn");
    VModelStatusInfo v = vmodel("example-sklearn-isvc");
    assertThat(v.getActiveModelId()).startsWith("example-sklearn-isvc__isvc-");
  }

  @Test
  void invalidPlacementPolicyIsRejectedInItsStatus() {
    apply(Kinds.PLACEMENT_POLICY, """
        apiVersion: densemesh.io/v1alpha1
        kind: PlacementPolicy
        metadata: {name: too-eager}
        spec:
          eviction: cost-aware
          loadingConcurrency: 0
        """);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(Kinds.PLACEMENT_POLICY,
        "too-eager").string("phase").orElse(""), p -> p.equals("Rejected"));
    Fields s = status(Kinds.PLACEMENT_POLICY, "too-eager");
    assertThat(s.string("reason")).contains("InvalidValue");
    assertThat(s.string("message").orElse("")).contains("spec.loadingConcurrency must be 1..256");
    assertThat(s.objects("conditions").get(0).string("status")).contains("False");
  }
}
