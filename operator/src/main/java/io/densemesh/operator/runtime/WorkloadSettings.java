package io.densemesh.operator.runtime;

import java.util.Objects;

/**
 * Operator-wide settings that shape every runtime's node Deployment.
 *
 * @param namespace namespace the Deployments and Services are created in
 * @param nodeImage image of the DenseMesh node container (a runtime container named
 *     {@value RuntimeWorkload#NODE_CONTAINER} may override it)
 * @param defaultReplicas replicas when the runtime sets no {@code spec.replicas}
 * @param etcdSecret Secret holding the etcd connection (keys {@code endpoints}, {@code prefix},
 *     {@code username}, {@code password}, or ModelMesh's {@code etcd_connection}); mounted with
 *     {@code etcdTlsSecret} as the nodes' {@code DM_ETCD_SECRET_DIR}
 * @param storageSecret Secret with model storage entries, one JSON value per storage key (KServe's
 *     {@code storage-config}); mounted when it exists, as the nodes' {@code DM_STORAGE_CONFIG}
 * @param adapterImage modelmesh-runtime-adapter image
 * @param etcdTlsSecret optional Secret with the nodes' etcd client certificate ({@code ca.crt},
 *     {@code tls.crt}, {@code tls.key}, as cert-manager writes it)
 * @param nodeTlsSecret Secret with the nodes' serving certificate (same keys): when not empty the
 *     nodes serve gRPC over TLS and peers use mutual TLS against its {@code ca.crt}
 * @param allowPrivilegedRuntimes whether ServingRuntimes may ask for privileges (privileged or
 *     privilege-escalating containers, added capabilities, hostPath volumes, host namespaces)
 * @param nodeCredentialsSecret Secret with the nodes' credentials ({@link NodeCredentials}),
 *     mounted read-only so nodes authenticate clients and peers; empty: pods start with
 *     {@code DM_INSECURE=true} and no authentication (development only)
 */
public record WorkloadSettings(String namespace, String nodeImage, int defaultReplicas,
    String etcdSecret, String storageSecret, String adapterImage, String etcdTlsSecret,
    String nodeTlsSecret, boolean allowPrivilegedRuntimes, String nodeCredentialsSecret) {

  public static final String DEFAULT_ETCD_TLS_SECRET = "densemesh-etcd-client-tls";

  /** modelmesh-serving's runtime adapter, for ServingRuntimes with a {@code builtInAdapter}. */
  public static final String DEFAULT_ADAPTER_IMAGE = "kserve/modelmesh-runtime-adapter:v0.12.0";

  public WorkloadSettings(String namespace, String nodeImage, int defaultReplicas,
      String etcdSecret, String storageSecret) {
    this(namespace, nodeImage, defaultReplicas, etcdSecret, storageSecret,
        DEFAULT_ADAPTER_IMAGE);
  }

  public WorkloadSettings(String namespace, String nodeImage, int defaultReplicas,
      String etcdSecret, String storageSecret, String adapterImage) {
    this(namespace, nodeImage, defaultReplicas, etcdSecret, storageSecret, adapterImage,
        DEFAULT_ETCD_TLS_SECRET, "", false, NodeCredentials.DEFAULT_SECRET);
  }

  public WorkloadSettings {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(nodeImage, "nodeImage");
    Objects.requireNonNull(etcdSecret, "etcdSecret");
    Objects.requireNonNull(storageSecret, "storageSecret");
    Objects.requireNonNull(adapterImage, "adapterImage");
    Objects.requireNonNull(etcdTlsSecret, "etcdTlsSecret");
    Objects.requireNonNull(nodeTlsSecret, "nodeTlsSecret");
    Objects.requireNonNull(nodeCredentialsSecret, "nodeCredentialsSecret");
  }

  /** Whether node pods start without authentication ({@code DM_INSECURE=true}). */
  public boolean insecureNodes() {
    return nodeCredentialsSecret.isEmpty();
  }
}
