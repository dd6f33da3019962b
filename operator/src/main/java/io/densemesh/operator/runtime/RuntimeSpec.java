package io.densemesh.operator.runtime;

import io.densemesh.operator.resource.Fields;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the operator uses of a {@code ServingRuntime} or {@code ClusterServingRuntime} (KServe's
 * {@code ServingRuntimeSpec}); everything else in the manifest is accepted and ignored.
 *
 * @param name the runtime's name
 * @param clusterScoped true for a ClusterServingRuntime
 * @param multiModel {@code spec.multiModel}: only multi-model runtimes become DenseMesh nodes
 * @param disabled {@code spec.disabled}
 * @param formats {@code spec.supportedModelFormats}
 * @param replicas {@code spec.replicas}, empty for the operator's default
 * @param containers {@code spec.containers} as written
 * @param pod pod-level fields carried over to the nodes' pods
 * @param adapter modelmesh-serving's built-in adapter, if the runtime asks for one
 * @param privileges what the runtime asks for beyond an ordinary container
 *     ({@link RuntimePrivileges}); empty for none
 */
public record RuntimeSpec(
    String name,
    boolean clusterScoped,
    boolean multiModel,
    boolean disabled,
    List<ModelFormat> formats,
    Optional<Integer> replicas,
    List<Map<String, Object>> containers,
    PodFields pod,
    Optional<BuiltInAdapter> adapter,
    List<String> privileges) {

  public static final String REASON = "InvalidRuntimeSpec";

  /**
   * Pod-level settings of {@code ServingRuntimePodSpec} carried over verbatim.
   *
   * @param nodeSelector node selector
   * @param tolerations tolerations as written
   * @param affinity affinity as written (empty map: none)
   * @param volumes extra volumes as written
   * @param imagePullSecrets image pull secrets as written
   * @param labels extra pod labels
   * @param annotations extra pod annotations
   */
  public record PodFields(
      Map<String, String> nodeSelector,
      List<Object> tolerations,
      Map<String, Object> affinity,
      List<Object> volumes,
      List<Object> imagePullSecrets,
      Map<String, String> labels,
      Map<String, String> annotations) {}

  /** Whether this runtime is served by DenseMesh nodes. */
  public boolean servedByMesh() {
    return multiModel && !disabled;
  }

  /**
   * @throws io.densemesh.operator.resource.InvalidResourceException naming the bad field
   */
  public static RuntimeSpec from(GenericKubernetesResource runtime) {
    boolean cluster = runtime.getKind() != null
        && runtime.getKind().equals("ClusterServingRuntime");
    Fields spec = Fields.of(runtime.getAdditionalProperties().get("spec"), "spec", REASON);
    List<ModelFormat> formats = new ArrayList<>();
    for (Fields f : spec.objects("supportedModelFormats")) {
      String formatName = f.string("name").filter(s -> !s.isBlank())
          .orElseThrow(() -> f.invalid(f.path() + ".name is required"));
      formats.add(new ModelFormat(formatName, f.string("version").orElse(""),
          f.bool("autoSelect").orElse(false), f.integer("priority").orElse(0L)));
    }
    Optional<Integer> replicas = spec.integer("replicas").map(r -> {
      if (r < 0 || r > 10_000) {
        throw spec.invalid("spec.replicas must be 0..10000, got " + r);
      }
      return r.intValue();
    });
    List<Map<String, Object>> containers = new ArrayList<>();
    for (Fields c : spec.objects("containers")) {
      if (c.string("name").filter(s -> !s.isBlank()).isEmpty()) {
        throw c.invalid(c.path() + ".name is required");
      }
      containers.add(c.raw());
    }
    Optional<BuiltInAdapter> adapter = BuiltInAdapter.from(spec);
    adapter.ifPresent(a -> {
      if (containers.stream().noneMatch(c -> a.serverType().equals(c.get("name")))) {
        throw spec.invalid("spec.builtInAdapter.serverType '" + a.serverType() + "' names no"
            + " container in spec.containers: ModelMesh's adapter reads that container's memory"
            + " request (CONTAINER_MEM_REQ_BYTES)");
      }
    });
    PodFields pod = new PodFields(spec.strings("nodeSelector"), spec.list("tolerations"),
        spec.object("affinity").raw(), spec.list("volumes"), spec.list("imagePullSecrets"),
        spec.strings("labels"), spec.strings("annotations"));
    return new RuntimeSpec(runtime.getMetadata().getName(), cluster,
        spec.bool("multiModel").orElse(false), spec.bool("disabled").orElse(false),
        List.copyOf(formats), replicas, List.copyOf(containers), pod, adapter,
        RuntimePrivileges.requested(spec));
  }

  public boolean supports(String format, Optional<String> version) {
    return formats.stream().anyMatch(f -> f.matches(format, version));
  }
}
