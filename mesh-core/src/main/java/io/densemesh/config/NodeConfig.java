package io.densemesh.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a node is configured with. Immutable, validated on construction; see
 * {@link NodeOptions} for where values come from and docs/configuration.md for the table.
 *
 * @param host address the servers bind to
 * @param grpcPort KServe V2 + ModelMesh gRPC port (0 picks a free port)
 * @param restPort KServe V2 REST port (0 picks a free port)
 * @param metricsPort Prometheus port (0 picks a free port)
 * @param capacityBytes memory budget for resident models
 * @param dataDir where the embedded registry persists registrations
 * @param instanceId this node's id in the mesh
 * @param loadTimeout how long a request waits for its model to load
 * @param loadingSlots loads that may run at once
 * @param intraOpThreads threads one ONNX inference may use
 * @param maxMessageBytes largest gRPC/REST request accepted
 * @param maxTensorElements largest element count one input tensor may describe
 * @param evictionPolicy name of the eviction policy ({@code lru} or {@code cost-aware})
 * @param failureBackoff how long a failed load answers from its record before a retry
 * @param mesh how the node joins a mesh (etcd, labels, drain)
 * @param storage where model artifacts come from and are cached
 * @param remoteRuntime a runtime process reached over the ModelMesh runtime SPI, if any
 * @param remoteRuntimeTls TLS on that link (required for a non-loopback TCP address)
 * @param device where the embedded ONNX runtime runs models (CPU or a CUDA device)
 * @param internalPort node-to-node gRPC port: forwarding and peer control (0 picks a free port)
 * @param auth client authentication, the mesh secret and whether to listen beyond loopback
 * @param tls TLS for the gRPC and REST ports and the links to peers
 * @param observability metric labels, logs and traces
 * @param batching the default dynamic batching of models that name none
 * @param rest the REST server's timeouts and request threads
 * @param admission how much work the node admits before it refuses (overload)
 */
public record NodeConfig(
    String host,
    int grpcPort,
    int restPort,
    int metricsPort,
    long capacityBytes,
    Path dataDir,
    String instanceId,
    Duration loadTimeout,
    int loadingSlots,
    int intraOpThreads,
    int maxMessageBytes,
    long maxTensorElements,
    String evictionPolicy,
    Duration failureBackoff,
    MeshConfig mesh,
    StorageSettings storage,
    Optional<RemoteRuntimeOption> remoteRuntime,
    RemoteRuntimeTls remoteRuntimeTls,
    DeviceSettings device,
    int internalPort,
    AuthSettings auth,
    TlsSettings tls,
    ObservabilitySettings observability,
    BatchingSettings batching,
    RestSettings rest,
    AdmissionSettings admission) {

  public NodeConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(loadTimeout, "loadTimeout");
    Objects.requireNonNull(evictionPolicy, "evictionPolicy");
    Objects.requireNonNull(failureBackoff, "failureBackoff");
    Objects.requireNonNull(mesh, "mesh");
    require(!instanceId.contains("/"), "--instance-id must not contain '/'");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(remoteRuntime, "remoteRuntime");
    Objects.requireNonNull(remoteRuntimeTls, "remoteRuntimeTls");
    remoteRuntimeTls.requireFor(remoteRuntime);
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(auth, "auth");
    requirePort("--internal-port", internalPort);
    Objects.requireNonNull(tls, "tls");
    require(!tls.enabled() || !mesh.usesEtcd() || tls.peerCa().isPresent(),
        "TLS in a mesh needs --tls-mesh-ca (or --tls-client-ca): peers verify each other "
            + "against it");
    Objects.requireNonNull(observability, "observability");
    Objects.requireNonNull(batching, "batching");
    Objects.requireNonNull(rest, "rest");
    require(rest.bodyBuffer() == 0 || rest.bodyBuffer() >= maxMessageBytes,
        "--rest-body-buffer must be 0 (automatic) or at least --max-message-size ("
            + maxMessageBytes + " bytes), got " + rest.bodyBuffer());
    Objects.requireNonNull(admission, "admission");
    requirePort("--grpc-port", grpcPort);
    requirePort("--rest-port", restPort);
    requirePort("--metrics-port", metricsPort);
    require(capacityBytes >= 1 << 20, "--capacity must be at least 1m, got " + capacityBytes);
    require(!instanceId.isBlank(), "--instance-id must not be blank");
    require(!loadTimeout.isNegative() && !loadTimeout.isZero(), "--load-timeout must be > 0");
    require(loadingSlots >= 1 && loadingSlots <= 256, "--loading-slots must be 1..256");
    require(intraOpThreads >= 1 && intraOpThreads <= 256, "--intra-op-threads must be 1..256");
    require(maxMessageBytes >= 1024, "--max-message-size must be at least 1k");
    require(maxTensorElements >= 1, "--max-tensor-elements must be >= 1");
    require(
        evictionPolicy.equals("lru") || evictionPolicy.equals("cost-aware"),
        "--eviction must be lru or cost-aware, got '" + evictionPolicy + "'");
    require(!failureBackoff.isNegative(), "--failure-backoff must be >= 0");
    java.util.List<Integer> fixed = java.util.stream.IntStream.of(grpcPort, restPort,
        metricsPort, internalPort).filter(p -> p != 0).boxed().toList();
    require(fixed.size() == new java.util.HashSet<>(fixed).size(),
        "--grpc-port, --rest-port, --metrics-port and --internal-port must differ");
  }

  /**
   * The address the servers actually bind: {@link #host}, except that a node without
   * authentication listens on loopback only unless started with {@code --insecure}.
   */
  public String bindHost() {
    return loopbackOnly() ? "127.0.0.1" : host;
  }

  /** Whether {@link #bindHost} narrowed {@link #host} to loopback (said at start). */
  public boolean loopbackOnly() {
    return !auth.enabled() && !auth.insecure() && !isLoopback(host);
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  private static void requirePort(String option, int port) {
    require(port >= 0 && port <= 65535, option + " must be 0..65535, got " + port);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
