package io.densemesh.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a node is configured with. Immutable, validated on construction; see
 * {@link ConfigParser} for where values come from and docs/configuration.md for the table.
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
 * @param device where the embedded ONNX runtime runs models (CPU or a CUDA device)
 * @param observability metric labels, logs and traces
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
    DeviceSettings device,
    ObservabilitySettings observability) {

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
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(observability, "observability");
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
    boolean distinct =
        (grpcPort == 0 || (grpcPort != restPort && grpcPort != metricsPort))
            && (restPort == 0 || restPort != metricsPort);
    require(distinct, "--grpc-port, --rest-port and --metrics-port must differ");
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
