package io.densemesh.operator.runtime;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The environment of ModelMesh's runtime adapter container, built as modelmesh-serving's
 * controller builds it ({@code controllers/modelmesh/runtime.go}, {@code addRuntimeToDeployment})
 * for the variables the adapters read ({@code model-mesh-*-adapter/server/config.go} of
 * kserve/modelmesh-runtime-adapter; the list is checked in AdapterEnvironmentTest). Differences,
 * both deliberate: the node stages artifacts itself, so the adapter's embedded puller is off and
 * it reads them from {@code ROOT_MODEL_DIR}; {@code RUNTIME_VERSION} is the tag after the last
 * {@code :} of the image's last path segment (upstream cuts at the first {@code :}, which a
 * registry port breaks).
 */
public final class AdapterEnvironment {

  /**
   * Variables DenseMesh wires (ports the node dials, where staged models are, the puller being
   * off); {@code builtInAdapter.env} may not change them.
   */
  public static final Set<String> WIRED = Set.of("ADAPTER_PORT", "RUNTIME_PORT",
      "RUNTIME_DATA_ENDPOINT", "ROOT_MODEL_DIR", "USE_EMBEDDED_PULLER");

  /** ServingRuntime annotations modelmesh-serving passes on to the adapter. */
  static final Map<String, String> ANNOTATIONS = Map.of(
      "maxLoadingConcurrency", "LOADING_CONCURRENCY",
      "perModelConcurrencyLimit", "LIMIT_PER_MODEL_CONCURRENCY");

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private AdapterEnvironment() {}

  /**
   * @param runtime the runtime (its containers: the model server is the one named
   *     {@code serverType})
   * @param adapter its {@code builtInAdapter}
   * @param annotations the ServingRuntime's annotations
   * @param modelsDir the model repository directory shared with the model server
   */
  public static List<EnvVar> of(RuntimeSpec runtime, BuiltInAdapter adapter,
      Map<String, String> annotations, String modelsDir) {
    List<EnvVar> env = new ArrayList<>();
    env.add(literal("ADAPTER_PORT", BuiltInAdapter.ADAPTER_PORT));
    env.add(literal("RUNTIME_PORT", adapter.runtimeManagementPort()));
    env.add(literal("RUNTIME_DATA_ENDPOINT", "port:" + adapter.runtimeManagementPort()));
    // The adapters report (this - MEM_BUFFER_BYTES) as capacity; the MLServer adapter exits
    // without it. The model server container's memory request, as upstream reads it.
    env.add(new EnvVarBuilder().withName("CONTAINER_MEM_REQ_BYTES").withNewValueFrom()
        .withNewResourceFieldRef().withContainerName(adapter.serverType())
        .withResource("requests.memory").endResourceFieldRef().endValueFrom().build());
    env.add(literal("MEM_BUFFER_BYTES", adapter.memBufferBytes()));
    env.add(literal("LOADTIME_TIMEOUT", adapter.modelLoadingTimeoutMillis()));
    env.add(literal("USE_EMBEDDED_PULLER", false));
    env.add(literal("ROOT_MODEL_DIR", modelsDir));
    env.add(literal("RUNTIME_VERSION", serverImage(runtime, adapter).map(
        AdapterEnvironment::tag).orElse("")));
    ANNOTATIONS.forEach((annotation, variable) -> {
      String value = annotations.get(annotation);
      if (value != null) {
        env.add(literal(variable, value));
      }
    });
    for (Map<String, Object> raw : adapter.env()) {
      EnvVar given = SERIALIZATION.convertValue(raw, EnvVar.class);
      int same = indexOf(env, given.getName());
      if (same >= 0) {
        env.set(same, given);
      } else {
        env.add(given);
      }
    }
    return env;
  }

  private static int indexOf(List<EnvVar> env, String name) {
    for (int i = 0; i < env.size(); i++) {
      if (env.get(i).getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static Optional<String> serverImage(RuntimeSpec runtime, BuiltInAdapter adapter) {
    return runtime.containers().stream()
        .filter(c -> adapter.serverType().equals(c.get("name")))
        .map(c -> c.get("image")).filter(String.class::isInstance).map(String.class::cast)
        .findFirst();
  }

  /** {@code registry:5000/org/server:1.2} is {@code 1.2}; no tag is empty. */
  static String tag(String image) {
    String last = image.substring(image.lastIndexOf('/') + 1);
    int at = last.indexOf('@');
    if (at >= 0) {
      last = last.substring(0, at);
    }
    int colon = last.lastIndexOf(':');
    return colon < 0 ? "" : last.substring(colon + 1);
  }

  private static EnvVar literal(String name, Object value) {
    return new EnvVarBuilder().withName(name).withValue(String.valueOf(value)).build();
  }
}
