package io.densemesh.operator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The operator's configuration: immutable, validated on construction. See
 * {@link OperatorCommand} for where values come from and docs/operations.md for the table.
 *
 * @param namespace namespace watched for ServingRuntimes, InferenceServices and
 *     PlacementPolicies, and where node Deployments go
 * @param nodeImage DenseMesh node image for runtime Deployments
 * @param defaultReplicas node replicas for a runtime without {@code spec.replicas}
 * @param etcdSecret Secret with the etcd connection ({@code endpoints}, optional {@code prefix})
 * @param storageSecret Secret with model storage entries (KServe's {@code storage-config})
 * @param meshTarget fixed gRPC target of the mesh; empty: the Service of a deployed runtime
 * @param resyncPeriod how often every resource is reconciled without an event (re-registers
 *     InferenceServices after a registry loss, shows evictions)
 * @param statusPollInterval how often an InferenceService whose model is not at rest is polled
 * @param meshDeadline deadline of one management call to the mesh
 * @param adapterImage modelmesh-runtime-adapter image for ServingRuntimes with a
 *     {@code builtInAdapter}
 * @param etcdTlsSecret optional Secret with the nodes' etcd client certificate
 * @param nodeTlsSecret Secret with the nodes' serving certificate; empty: nodes serve plaintext
 * @param allowPrivilegedRuntimes whether ServingRuntimes may ask for privileges
 * @param healthPort port of the liveness/readiness endpoint ({@code /livez}, {@code /readyz});
 *     0: none
 * @param nodeCredentialsSecret Secret with the nodes' credentials (mesh secret, API keys, the
 *     operator's key), created when absent; see {@code NodeCredentials}
 * @param insecureNodes node pods start without authentication (development only)
 */
public record OperatorConfig(
    String namespace,
    String nodeImage,
    int defaultReplicas,
    String etcdSecret,
    String storageSecret,
    Optional<String> meshTarget,
    Duration resyncPeriod,
    Duration statusPollInterval,
    Duration meshDeadline,
    String adapterImage,
    String etcdTlsSecret,
    String nodeTlsSecret,
    boolean allowPrivilegedRuntimes,
    int healthPort,
    String nodeCredentialsSecret,
    boolean insecureNodes) {

  public OperatorConfig {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(nodeImage, "nodeImage");
    Objects.requireNonNull(etcdSecret, "etcdSecret");
    Objects.requireNonNull(meshTarget, "meshTarget");
    require(namespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"),
        "--namespace must be a DNS label, got '" + namespace + "'");
    require(!nodeImage.isBlank(), "--node-image must not be blank");
    require(defaultReplicas >= 0 && defaultReplicas <= 10_000,
        "--default-replicas must be 0..10000, got " + defaultReplicas);
    require(!etcdSecret.isBlank(), "--etcd-secret must not be blank");
    Objects.requireNonNull(storageSecret, "storageSecret");
    require(!storageSecret.isBlank(), "--storage-secret must not be blank");
    Objects.requireNonNull(adapterImage, "adapterImage");
    require(!adapterImage.isBlank(), "--adapter-image must not be blank");
    Objects.requireNonNull(etcdTlsSecret, "etcdTlsSecret");
    Objects.requireNonNull(nodeTlsSecret, "nodeTlsSecret");
    require(meshTarget.map(t -> !t.isBlank()).orElse(true), "--mesh-target must not be blank");
    require(resyncPeriod.compareTo(Duration.ofSeconds(1)) >= 0,
        "--resync-period must be at least 1s, got " + resyncPeriod);
    require(statusPollInterval.compareTo(Duration.ofMillis(100)) >= 0,
        "--status-poll-interval must be at least 100ms, got " + statusPollInterval);
    require(statusPollInterval.compareTo(resyncPeriod) <= 0,
        "--status-poll-interval must not exceed --resync-period");
    require(healthPort >= 0 && healthPort <= 65_535,
        "--health-port must be 0..65535, got " + healthPort);
    require(!meshDeadline.isNegative() && !meshDeadline.isZero(),
        "--mesh-deadline must be > 0");
    Objects.requireNonNull(nodeCredentialsSecret, "nodeCredentialsSecret");
    require(insecureNodes
            || nodeCredentialsSecret.matches("[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?"),
        "--node-credentials-secret must be a Secret name, got '" + nodeCredentialsSecret + "'");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The Secret node pods mount, empty with {@code insecureNodes}. */
  public String nodeCredentials() {
    return insecureNodes ? "" : nodeCredentialsSecret;
  }
}
