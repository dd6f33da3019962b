package io.densemesh.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.operator.TestManifests;
import io.densemesh.operator.resource.InvalidResourceException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The adapter container's environment against the variables ModelMesh's adapters read
 * (modelmesh/adapter-env.tsv, derived from the adapters' configuration code; its header names the
 * upstream files).
 */
class AdapterEnvironmentTest {

  /** One row of adapter-env.tsv. */
  record Variable(String name, List<String> readBy, String handling, String annotation) {}

  static List<Variable> upstream() throws IOException {
    try (InputStream in = AdapterEnvironmentTest.class.getResourceAsStream(
        "/modelmesh/adapter-env.tsv")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.split("\t"))
          .map(f -> new Variable(f[0], List.of(f[1].split(",")), f[2], f.length > 3 ? f[3] : ""))
          .toList();
    }
  }

  private static GenericKubernetesResource runtime(String serverType, String adapterExtra) {
    return runtime(serverType, serverType, adapterExtra);
  }

  private static GenericKubernetesResource runtime(String serverType, String container,
      String adapterExtra) {
    return TestManifests.yaml("""
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata:
          name: rt
          annotations: {maxLoadingConcurrency: "3", perModelConcurrencyLimit: "5"}
        spec:
          multiModel: true
          supportedModelFormats: [{name: sklearn, autoSelect: true}]
          containers:
            - name: %3$s
              image: registry.local:5000/serving/%1$s:1.3.5
              resources: {requests: {memory: 2Gi}}
          builtInAdapter:
            serverType: %1$s
            runtimeManagementPort: 8001
            memBufferBytes: 134217728
            modelLoadingTimeoutMillis: 90000
        %2$s""".formatted(serverType, adapterExtra, container));
  }

  private static Map<String, EnvVar> env(GenericKubernetesResource owner) {
    List<Container> containers = RuntimeWorkload.desired(RuntimeSpec.from(owner), owner,
        RuntimeWorkloadTest.SETTINGS).deployment().getSpec().getTemplate().getSpec()
        .getContainers();
    Container adapter = containers.stream().filter(c -> c.getName().equals("mm-runtime-adapter"))
        .findFirst().orElseThrow();
    assertThat(adapter.getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
    return adapter.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlserver", "ovms", "torchserve", "triton"})
  void everyVariableTheAdapterNeedsIsSetAndNoneIsInvented(String serverType) throws IOException {
    Map<String, EnvVar> env = env(runtime(serverType, ""));
    List<Variable> upstream = upstream();
    for (Variable v : upstream) {
      if (!v.readBy().contains(serverType)) {
        continue;
      }
      switch (v.handling()) {
        case "set" -> assertThat(env).as(v.name()).containsKey(v.name());
        case "annot" -> assertThat(env.get(v.name()).getValue()).as(v.name())
            .isEqualTo(v.annotation().equals("maxLoadingConcurrency") ? "3" : "5");
        default -> assertThat(env).as(v.name() + " keeps the adapter's default")
            .doesNotContainKey(v.name());
      }
    }
    assertThat(upstream.stream().map(Variable::name).toList())
        .as("every variable the operator sets is one an adapter reads")
        .containsAll(env.keySet());
    var memory = env.get("CONTAINER_MEM_REQ_BYTES").getValueFrom().getResourceFieldRef();
    assertThat(memory.getContainerName()).isEqualTo(serverType);
    assertThat(memory.getResource()).isEqualTo("requests.memory");
    assertThat(env.get("ADAPTER_PORT").getValue()).isEqualTo("8085");
    assertThat(env.get("RUNTIME_PORT").getValue()).isEqualTo("8001");
    assertThat(env.get("RUNTIME_DATA_ENDPOINT").getValue()).isEqualTo("port:8001");
    assertThat(env.get("MEM_BUFFER_BYTES").getValue()).isEqualTo("134217728");
    assertThat(env.get("LOADTIME_TIMEOUT").getValue()).isEqualTo("90000");
    assertThat(env.get("ROOT_MODEL_DIR").getValue()).isEqualTo("/models");
    assertThat(env.get("USE_EMBEDDED_PULLER").getValue()).isEqualTo("false");
    assertThat(env.get("RUNTIME_VERSION").getValue()).isEqualTo("1.3.5");
  }

  @Test
  void builtInAdapterEnvOverridesAndAddsAsModelMeshServingDoes() {
    Map<String, EnvVar> env = env(runtime("mlserver", """
            env:
              - {name: MEM_BUFFER_BYTES, value: "1000"}
              - {name: DEFAULT_MODELSIZE, value: "2000000"}
              - name: LOG_SECRET
                valueFrom: {secretKeyRef: {name: s, key: k}}
        """));
    assertThat(env.get("MEM_BUFFER_BYTES").getValue()).isEqualTo("1000");
    assertThat(env.get("DEFAULT_MODELSIZE").getValue()).isEqualTo("2000000");
    assertThat(env.get("LOG_SECRET").getValueFrom().getSecretKeyRef().getName()).isEqualTo("s");
  }

  @Test
  void theWiringIsNotOverridable() {
    assertThatThrownBy(() -> RuntimeSpec.from(runtime("triton", """
            env: [{name: ADAPTER_PORT, value: "9000"}]
        """))).isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("ADAPTER_PORT is wired by DenseMesh");
  }

  @Test
  void theModelServerContainerMustExistForItsMemoryRequest() {
    assertThatThrownBy(() -> RuntimeSpec.from(runtime("mlserver", "server", "")))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessageContaining("serverType 'mlserver' names no container");
  }

  @Test
  void runtimeVersionIsTheImageTag() {
    assertThat(AdapterEnvironment.tag("nvcr.io/nvidia/tritonserver:23.04-py3"))
        .isEqualTo("23.04-py3");
    assertThat(AdapterEnvironment.tag("registry:5000/seldonio/mlserver")).isEmpty();
    assertThat(AdapterEnvironment.tag("seldonio/mlserver:1.3.5@sha256:abc")).isEqualTo("1.3.5");
  }
}
