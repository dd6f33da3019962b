package io.densemesh.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.operator.TestManifests;
import io.densemesh.operator.resource.InvalidResourceException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeWorkloadTest {

  static final WorkloadSettings SETTINGS =
      new WorkloadSettings("serving", "densemesh/node:test", 2, "etcd-conn", "storage-config");

  static GenericKubernetesResource onnxRuntime(String extraSpec) {
    GenericKubernetesResource r = TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata:
          name: densemesh-onnx
          namespace: serving
          uid: 1111-2222
        spec:
          multiModel: true
          supportedModelFormats:
            - name: onnx
              version: "1"
              autoSelect: true
            - name: ONNX
          containers:
            - name: densemesh
              resources:
                limits:
                  memory: 2Gi
              env:
                - name: DM_CAPACITY
                  value: 1g
                - name: DM_GRPC_PORT
                  value: "9999"
            - name: sidecar
              image: example/sidecar:1
          nodeSelector:
            pool: inference
          tolerations:
            - key: dedicated
              operator: Equal
              value: models
              effect: NoSchedule
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                      - key: zone
                        operator: In
                        values: [a, b]
        """ + extraSpec);
    return r;
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
        .map(e -> e.getValue() != null ? e.getValue()
            : e.getValueFrom().getSecretKeyRef() != null
                ? "secret:" + e.getValueFrom().getSecretKeyRef().getName() + "/"
                    + e.getValueFrom().getSecretKeyRef().getKey()
                : "field:" + e.getValueFrom().getFieldRef().getFieldPath())
        .orElse(null);
  }

  @Test
  void multiModelRuntimeBecomesNodeDeploymentAndService() {
    GenericKubernetesResource owner = onnxRuntime("");
    RuntimeSpec runtime = RuntimeSpec.from(owner);
    RuntimeWorkload.Objects objects = RuntimeWorkload.desired(runtime, owner, SETTINGS);
    Deployment d = objects.deployment();

    assertThat(d.getMetadata().getName()).isEqualTo("densemesh-densemesh-onnx");
    assertThat(d.getMetadata().getNamespace()).isEqualTo("serving");
    assertThat(d.getSpec().getReplicas()).as("operator default").isEqualTo(2);
    assertThat(d.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
      assertThat(ref.getKind()).isEqualTo("ServingRuntime");
      assertThat(ref.getUid()).isEqualTo("1111-2222");
      assertThat(ref.getController()).isTrue();
    });
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).extracting(Container::getName)
        .containsExactly("densemesh", "sidecar");
    Container node = pod.getContainers().get(0);
    assertThat(node.getImage()).isEqualTo("densemesh/node:test");
    assertThat(node.getArgs()).containsExactly("serve");
    assertThat(node.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
        .containsExactly("grpc=8033", "http=8008", "metrics=2112", "internal=8080");
    assertThat(env(node, "DM_GRPC_PORT")).as("the runtime cannot rewire ports").isEqualTo("8033");
    assertThat(env(node, "DM_INTERNAL_PORT")).isEqualTo("8080");
    assertThat(env(node, "DM_INSECURE")).as("pods authenticate instead").isNull();
    assertThat(env(node, "DM_API_KEYS_FILE")).isEqualTo("/etc/densemesh/credentials/api-keys");
    assertThat(env(node, "DM_MESH_SECRET_FILE"))
        .isEqualTo("/etc/densemesh/credentials/mesh-secret");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("node-credentials"))
        .singleElement().satisfies(v -> {
          assertThat(v.getSecret().getSecretName()).isEqualTo("densemesh-node-credentials");
          assertThat(v.getSecret().getOptional()).as("a node never starts without them")
              .isNotEqualTo(Boolean.TRUE);
        });
    assertThat(node.getVolumeMounts()).filteredOn(m -> m.getName().equals("node-credentials"))
        .singleElement().satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/densemesh/credentials");
          assertThat(m.getReadOnly()).isTrue();
        });
    assertThat(pod.getContainers().get(1).getVolumeMounts() == null ? List.of()
        : pod.getContainers().get(1).getVolumeMounts())
        .as("only the node container sees the credentials")
        .noneMatch(m -> m.getName().equals("node-credentials"));
    assertThat(env(node, "DM_CAPACITY")).isEqualTo("1g");
    assertThat(env(node, "DM_LABELS")).isEqualTo("format:onnx");
    assertThat(env(node, "DM_ETCD_SECRET_DIR")).isEqualTo("/etc/densemesh/etcd");
    assertThat(node.getEnv()).as("no etcd credentials in variables")
        .noneMatch(e -> e.getName().equals("DM_ETCD") || e.getName().equals("DM_ETCD_PASSWORD"));
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("etcd-connection"))
        .singleElement().satisfies(v -> {
          assertThat(v.getProjected().getSources()).extracting(p -> p.getSecret().getName()
              + (Boolean.TRUE.equals(p.getSecret().getOptional()) ? "?" : ""))
              .containsExactly("etcd-conn", "densemesh-etcd-client-tls?");
        });
    assertThat(node.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/etc/densemesh/etcd");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(env(node, "DM_TLS_CERT")).as("TLS only with a node TLS Secret").isNull();
    assertThat(env(node, "DM_INSTANCE_ID")).isEqualTo("field:metadata.name");
    assertThat(env(node, "DM_ADVERTISE_HOST")).isEqualTo("field:status.podIP");
    assertThat(env(node, "DM_STORAGE_CONFIG")).isEqualTo("/etc/densemesh/storage-config");
    assertThat(node.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/etc/densemesh/storage-config");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("storage-config"))
        .singleElement().satisfies(v -> {
          assertThat(v.getSecret().getSecretName()).isEqualTo("storage-config");
          assertThat(v.getSecret().getOptional()).isTrue();
        });
    assertThat(node.getResources().getLimits().get("memory").toString()).isEqualTo("2Gi");
    assertThat(node.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
    // A slow start (remote runtime, registry) is not a failed liveness check: up to 10 minutes.
    assertThat(node.getStartupProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
    assertThat(node.getStartupProbe().getPeriodSeconds()
        * node.getStartupProbe().getFailureThreshold()).isEqualTo(600);
    assertThat(node.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
    assertThat(pod.getNodeSelector()).containsEntry("pool", "inference");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("dedicated");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(pod.getAffinity().getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0)
        .getMatchExpressions().get(0).getValues()).containsExactly("a", "b");
    assertThat(d.getSpec().getSelector().getMatchLabels())
        .containsEntry(RuntimeWorkload.RUNTIME_LABEL, "densemesh-onnx");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());

    var service = objects.service();
    assertThat(service.getMetadata().getName()).isEqualTo("densemesh-densemesh-onnx");
    assertThat(service.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector()
        .getMatchLabels());
    assertThat(service.getSpec().getPorts()).extracting(ServicePort::getPort)
        .containsExactly(8033, 8008, 2112);
  }

  @Test
  void nodeAndAdapterContainersRunRestrictedAndThePodUsesTheDefaultSeccompProfile() {
    GenericKubernetesResource owner = onnxRuntime("""
          builtInAdapter:
            serverType: triton
            runtimeManagementPort: 8001
        """);
    // The model server the adapter fronts (its memory request becomes CONTAINER_MEM_REQ_BYTES).
    @SuppressWarnings("unchecked")
    List<Object> containers = (List<Object>) ((Map<String, Object>) owner
        .getAdditionalProperties().get("spec")).get("containers");
    containers.add(Map.of("name", "triton", "image", "nvcr.io/nvidia/tritonserver:23.04-py3"));
    var pod = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, SETTINGS).deployment()
        .getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    for (String name : List.of("densemesh", "mm-runtime-adapter")) {
      Container c = pod.getContainers().stream().filter(x -> x.getName().equals(name))
          .findFirst().orElseThrow();
      var security = c.getSecurityContext();
      assertThat(security.getRunAsNonRoot()).as(name).isTrue();
      assertThat(security.getReadOnlyRootFilesystem()).as(name).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).as(name).isFalse();
      assertThat(security.getCapabilities().getDrop()).as(name).containsExactly("ALL");
      assertThat(security.getSeccompProfile().getType()).as(name).isEqualTo("RuntimeDefault");
      assertThat(c.getVolumeMounts()).as(name + " writes under /tmp")
          .anyMatch(m -> m.getMountPath().equals("/tmp"));
    }
  }

  @Test
  void insecureNodesAreOnlyWhatTheOperatorWasToldAndCarryNoCredentials() {
    WorkloadSettings insecure = new WorkloadSettings("serving", "densemesh/node:test", 2,
        "etcd-conn", "storage-config", WorkloadSettings.DEFAULT_ADAPTER_IMAGE, "etcd-client", "",
        false, "");
    GenericKubernetesResource owner = onnxRuntime("");
    var pod = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, insecure).deployment()
        .getSpec().getTemplate().getSpec();
    Container node = pod.getContainers().get(0);
    assertThat(env(node, "DM_INSECURE")).isEqualTo("true");
    assertThat(env(node, "DM_API_KEYS_FILE")).isNull();
    assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals("node-credentials"));
  }

  @Test
  void aRuntimeCannotRewireTheCredentialFiles() {
    GenericKubernetesResource owner = onnxRuntime("");
    @SuppressWarnings("unchecked")
    var containers = (List<Map<String, Object>>) ((Map<String, Object>) owner
        .getAdditionalProperties().get("spec")).get("containers");
    @SuppressWarnings("unchecked")
    var envs = (List<Map<String, Object>>) containers.get(0).get("env");
    envs.add(Map.of("name", "DM_API_KEYS_FILE", "value", "/tmp/mine"));
    envs.add(Map.of("name", "DM_MESH_SECRET_FILE", "value", "/tmp/mine"));
    Container node = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, SETTINGS)
        .deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(node.getEnv()).filteredOn(e -> e.getName().startsWith("DM_API_KEYS")
        || e.getName().startsWith("DM_MESH_SECRET")).extracting(EnvVar::getValue)
        .containsExactly("/etc/densemesh/credentials/api-keys",
            "/etc/densemesh/credentials/mesh-secret");
  }

  @Test
  void aNodeTlsSecretTurnsOnTlsWithTheMeshCa() {
    WorkloadSettings tls = new WorkloadSettings("serving", "densemesh/node:test", 2, "etcd-conn",
        "storage-config", WorkloadSettings.DEFAULT_ADAPTER_IMAGE, "etcd-client",
        "densemesh-node-tls", false, NodeCredentials.DEFAULT_SECRET);
    GenericKubernetesResource owner = onnxRuntime("");
    var pod = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, tls).deployment()
        .getSpec().getTemplate().getSpec();
    Container node = pod.getContainers().get(0);
    assertThat(env(node, "DM_TLS_CERT")).isEqualTo("/etc/densemesh/tls/tls.crt");
    assertThat(env(node, "DM_TLS_KEY")).isEqualTo("/etc/densemesh/tls/tls.key");
    assertThat(env(node, "DM_TLS_MESH_CA")).isEqualTo("/etc/densemesh/tls/ca.crt");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("node-tls"))
        .singleElement().satisfies(v ->
            assertThat(v.getSecret().getSecretName()).isEqualTo("densemesh-node-tls"));
  }

  @Test
  void privilegesARuntimeAsksForAreListed() {
    assertThat(RuntimeSpec.from(onnxRuntime("")).privileges()).isEmpty();
    RuntimeSpec greedy = RuntimeSpec.from(onnxRuntime("""
          hostNetwork: true
          volumes:
            - name: host-root
              hostPath:
                path: /
        """));
    assertThat(greedy.privileges()).containsExactly("spec.hostNetwork: true",
        "spec.volumes[0].hostPath (volume 'host-root')");
    GenericKubernetesResource privileged = TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata:
          name: root-runtime
        spec:
          multiModel: true
          supportedModelFormats: [{name: onnx}]
          containers:
            - name: server
              image: example/server:1
              securityContext:
                privileged: true
                allowPrivilegeEscalation: true
                capabilities:
                  add: [SYS_ADMIN]
        """);
    assertThat(RuntimeSpec.from(privileged).privileges()).containsExactly(
        "container 'server' securityContext.privileged: true",
        "container 'server' securityContext.allowPrivilegeEscalation: true",
        "container 'server' securityContext.capabilities.add: [SYS_ADMIN]");
  }

  @Test
  void replicasComeFromTheRuntimeWhenSet() {
    GenericKubernetesResource owner = onnxRuntime("  replicas: 5\n");
    Deployment d = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, SETTINGS)
        .deployment();
    assertThat(d.getSpec().getReplicas()).isEqualTo(5);
  }

  @Test
  void hashIsStableAndFollowsTheSpec() {
    GenericKubernetesResource owner = onnxRuntime("");
    String first = hash(owner);
    assertThat(hash(onnxRuntime(""))).isEqualTo(first);
    assertThat(hash(onnxRuntime("  replicas: 3\n"))).isNotEqualTo(first);
  }

  private static String hash(GenericKubernetesResource owner) {
    return RuntimeWorkload.desired(RuntimeSpec.from(owner), owner, SETTINGS).deployment()
        .getMetadata().getAnnotations().get(RuntimeWorkload.SPEC_HASH);
  }

  @Test
  void publishedTritonRuntimeRunsBesideTheNode() {
    GenericKubernetesResource owner = TestManifests.resource("/kserve/triton-2.x.yaml");
    RuntimeSpec runtime = RuntimeSpec.from(owner);
    assertThat(runtime.clusterScoped()).isTrue();
    assertThat(runtime.servedByMesh()).isTrue();
    Deployment d = RuntimeWorkload.desired(runtime, owner, SETTINGS).deployment();
    List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).extracting(Container::getName)
        .containsExactly("densemesh", "triton", "mm-runtime-adapter");
    assertThat(containers.get(1).getImage()).isEqualTo("nvcr.io/nvidia/tritonserver:23.04-py3");
    // builtInAdapter: ModelMesh's adapter beside Triton, the node attached to it over the SPI.
    assertThat(runtime.adapter()).contains(new BuiltInAdapter("triton", 8001, 134217728, 90000));
    Container adapter = containers.get(2);
    assertThat(adapter.getImage()).isEqualTo(WorkloadSettings.DEFAULT_ADAPTER_IMAGE);
    assertThat(adapter.getCommand()).containsExactly("/opt/app/triton-adapter");
    assertThat(env(adapter, "ADAPTER_PORT")).isEqualTo("8085");
    assertThat(env(adapter, "RUNTIME_PORT")).isEqualTo("8001");
    assertThat(env(adapter, "MEM_BUFFER_BYTES")).isEqualTo("134217728");
    assertThat(env(adapter, "LOADTIME_TIMEOUT")).isEqualTo("90000");
    assertThat(env(adapter, "USE_EMBEDDED_PULLER")).isEqualTo("false");
    for (Container c : containers.subList(1, 3)) { // model server and adapter see the node's files
      assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath())
          .contains("/data", "/models");
    }
    assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).extracting(v -> v.getName())
        .contains("models-dir");
    assertThat(env(containers.get(0), "DM_REMOTE_RUNTIME")).isEqualTo(
        "keras,onnx,pytorch,tensorflow,tensorrt=127.0.0.1:8085;data=127.0.0.1:8001");
    assertThat(containers.get(1).getLivenessProbe().getExec().getCommand()).contains("curl");
    // The node waits for its remote runtime at start: the startup probe holds liveness off.
    assertThat(containers.get(0).getStartupProbe().getHttpGet().getPath())
        .isEqualTo("/v2/health/live");
    assertThat(containers.get(0).getStartupProbe().getFailureThreshold()).isGreaterThan(
        containers.get(0).getLivenessProbe().getFailureThreshold());
    assertThat(env(containers.get(0), "DM_LABELS"))
        .isEqualTo("format:keras,format:onnx,format:pytorch,format:tensorflow,format:tensorrt");
    assertThat(d.getMetadata().getOwnerReferences().get(0).getKind())
        .isEqualTo("ClusterServingRuntime");
  }

  @Test
  void aRuntimeWithoutBuiltInAdapterRunsModelsInTheNodeItself() {
    GenericKubernetesResource owner = onnxRuntime("");
    RuntimeSpec runtime = RuntimeSpec.from(owner);
    assertThat(runtime.adapter()).isEmpty();
    Container node = RuntimeWorkload.desired(runtime, owner, SETTINGS).deployment().getSpec()
        .getTemplate().getSpec().getContainers().get(0);
    assertThat(node.getEnv()).extracting(EnvVar::getName).doesNotContain("DM_REMOTE_RUNTIME");
  }

  @Test
  void builtInAdapterWithoutItsPortIsATypedError() {
    assertThatThrownBy(() -> RuntimeSpec.from(onnxRuntime(
        "  builtInAdapter:\n    serverType: mlserver\n")))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("builtInAdapter.runtimeManagementPort is required");
  }

  @Test
  void malformedRuntimeIsATypedErrorNamingTheField() {
    assertThatThrownBy(() -> RuntimeSpec.from(onnxRuntime("  replicas: many\n")))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("spec.replicas");
    assertThatThrownBy(() -> RuntimeSpec.from(TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata: {name: x}
        spec:
          supportedModelFormats:
            - version: "1"
        """))).isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("spec.supportedModelFormats[0].name is required");
  }

  @Test
  void disabledOrSingleModelRuntimesAreNotServedByTheMesh() {
    assertThat(RuntimeSpec.from(onnxRuntime("  disabled: true\n")).servedByMesh()).isFalse();
    RuntimeSpec single = RuntimeSpec.from(TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata: {name: kserve-sklearnserver}
        spec:
          supportedModelFormats: [{name: sklearn, version: "1", autoSelect: true}]
          containers: [{name: kserve-container, image: kserve/sklearnserver:latest}]
        """));
    assertThat(single.servedByMesh()).isFalse();
    assertThat(single.replicas()).isEqualTo(Optional.empty());
  }
}
