package io.densemesh.operator.resource;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a custom resource's {@code status} through the status subresource, and only when it
 * differs from what the resource holds (compared in JSON form, so number types and key order do
 * not count as changes). A stale resourceVersion fails with 409, which the work queue retries.
 */
public final class StatusWriter {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final KubernetesClient client;

  public StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /** @return whether a write happened */
  public boolean write(ResourceDefinitionContext kind, GenericKubernetesResource current,
      Map<String, Object> status) {
    Object now = current.getAdditionalProperties().get("status");
    if (normalized(status).equals(now == null ? null : normalized(now))) {
      return false;
    }
    GenericKubernetesResource copy = new GenericKubernetesResource();
    copy.setApiVersion(current.getApiVersion());
    copy.setKind(current.getKind());
    copy.setMetadata(current.getMetadata());
    copy.setAdditionalProperties(new LinkedHashMap<>(current.getAdditionalProperties()));
    copy.setAdditionalProperty("status", status);
    var ops = client.genericKubernetesResources(kind);
    (kind.isNamespaceScoped() ? ops.inNamespace(current.getMetadata().getNamespace()) : ops)
        .resource(copy).updateStatus();
    return true;
  }

  /** Current status of a resource as a map (empty when none). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> statusOf(GenericKubernetesResource r) {
    Object s = r.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static Object normalized(Object value) {
    return JSON.unmarshal(JSON.asJson(value), Object.class);
  }
}
