package io.densemesh.operator.runtime;

import java.util.Objects;

/**
 * Operator-wide settings that shape every runtime's node Deployment.
 *
 * @param namespace namespace the Deployments and Services are created in
 * @param nodeImage image of the DenseMesh node container (a runtime container named
 *     {@value RuntimeWorkload#NODE_CONTAINER} may override it)
 * @param defaultReplicas replicas when the runtime sets no {@code spec.replicas}
 * @param etcdSecret Secret holding the etcd connection: key {@code endpoints} (required) becomes
 *     {@code DM_ETCD}, key {@code prefix} (optional) becomes {@code DM_ETCD_PREFIX}
 * @param storageSecret Secret with model storage entries, one JSON value per storage key (KServe's
 *     {@code storage-config}); mounted when it exists, as the nodes' {@code DM_STORAGE_CONFIG}
 */
public record WorkloadSettings(String namespace, String nodeImage, int defaultReplicas,
    String etcdSecret, String storageSecret, String adapterImage) {

  /** modelmesh-serving's runtime adapter, for ServingRuntimes with a {@code builtInAdapter}. */
  public static final String DEFAULT_ADAPTER_IMAGE = "kserve/modelmesh-runtime-adapter:v0.12.0";

  public WorkloadSettings(String namespace, String nodeImage, int defaultReplicas,
      String etcdSecret, String storageSecret) {
    this(namespace, nodeImage, defaultReplicas, etcdSecret, storageSecret,
        DEFAULT_ADAPTER_IMAGE);
  }

  public WorkloadSettings {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(nodeImage, "nodeImage");
    Objects.requireNonNull(etcdSecret, "etcdSecret");
    Objects.requireNonNull(storageSecret, "storageSecret");
    Objects.requireNonNull(adapterImage, "adapterImage");
  }
}
