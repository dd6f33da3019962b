package io.densemesh.operator.runtime;

import io.densemesh.operator.resource.Fields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A ServingRuntime's {@code builtInAdapter}, as modelmesh-serving defines it: the model server
 * (Triton, MLServer, OVMS, TorchServe) runs beside the node, and ModelMesh's runtime adapter
 * (an extra container) translates the ModelMesh runtime SPI to it. The node then talks to the
 * adapter on {@link #ADAPTER_PORT} for loads and to the model server's own port for inference.
 *
 * @param serverType {@code triton}, {@code mlserver}, {@code ovms} or {@code torchserve}
 * @param runtimeManagementPort the model server's gRPC port (inference and management)
 * @param memBufferBytes memory the adapter keeps back from the server's capacity
 * @param modelLoadingTimeoutMillis how long one load may take
 * @param env {@code builtInAdapter.env} as written (Kubernetes {@code EnvVar}s): they override
 *     the adapter variables of the same name and add others, as modelmesh-serving does; the
 *     wiring variables ({@link AdapterEnvironment#WIRED}) are DenseMesh's
 */
public record BuiltInAdapter(String serverType, int runtimeManagementPort, long memBufferBytes,
    long modelLoadingTimeoutMillis, List<Map<String, Object>> env) {

  public BuiltInAdapter {
    env = List.copyOf(env);
  }

  /** An adapter without {@code env}. */
  public BuiltInAdapter(String serverType, int runtimeManagementPort, long memBufferBytes,
      long modelLoadingTimeoutMillis) {
    this(serverType, runtimeManagementPort, memBufferBytes, modelLoadingTimeoutMillis, List.of());
  }

  /** Where modelmesh-runtime-adapter serves the SPI (modelmesh-serving's default). */
  public static final int ADAPTER_PORT = 8085;

  /** Reads {@code spec.builtInAdapter}; empty when the runtime has none. */
  static Optional<BuiltInAdapter> from(Fields spec) {
    if (!spec.has("builtInAdapter")) {
      return Optional.empty();
    }
    Fields a = spec.object("builtInAdapter");
    String type = a.string("serverType").filter(s -> !s.isBlank())
        .orElseThrow(() -> a.invalid(a.path() + ".serverType is required"));
    long port = a.integer("runtimeManagementPort")
        .orElseThrow(() -> a.invalid(a.path() + ".runtimeManagementPort is required"));
    if (port < 1 || port > 65535 || port == ADAPTER_PORT) {
      throw a.invalid(a.path() + ".runtimeManagementPort must be 1..65535 and not "
          + ADAPTER_PORT + ", got " + port);
    }
    long buffer = a.integer("memBufferBytes").orElse(0L);
    long timeout = a.integer("modelLoadingTimeoutMillis").orElse(90_000L);
    if (buffer < 0 || timeout <= 0) {
      throw a.invalid(a.path() + ": memBufferBytes must be >= 0 and modelLoadingTimeoutMillis > 0");
    }
    List<Map<String, Object>> env = new ArrayList<>();
    for (Fields e : a.objects("env")) {
      String name = e.string("name").filter(n -> !n.isBlank())
          .orElseThrow(() -> e.invalid(e.path() + ".name is required"));
      if (AdapterEnvironment.WIRED.contains(name)) {
        throw e.invalid(e.path() + ": " + name + " is wired by DenseMesh (the node reaches the"
            + " adapter and stages models through it); set the builtInAdapter fields instead");
      }
      env.add(e.raw());
    }
    return Optional.of(new BuiltInAdapter(type, (int) port, buffer, timeout, env));
  }
}
