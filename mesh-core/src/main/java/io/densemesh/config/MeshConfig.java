package io.densemesh.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a node joins a mesh. With no etcd endpoints the node runs alone on the embedded registry.
 *
 * @param etcdEndpoints etcd client URLs; empty for the embedded registry
 * @param etcdPrefix root of this mesh's keys in etcd, starting and ending with {@code /}
 * @param leaseTtl how long a dead node's copies and instance record outlive it
 * @param etcdTimeout how long one etcd call may take (also the start-up connect limit)
 * @param advertiseHost host peers use to reach this node's gRPC port; empty: the bind host, or
 *     this machine's name when binding all interfaces
 * @param zone failure zone, for spreading copies
 * @param labels placement labels (a model type {@code t} may require {@code format:t})
 * @param drainTimeout how long a stopping node keeps serving while its models move elsewhere
 * @param modelCacheBytes heap bound for the model records an etcd node keeps (the rest are read
 *     from etcd when needed)
 * @param etcdAccess TLS material and user for etcd; checked against the endpoints' schemes
 */
public record MeshConfig(
    List<String> etcdEndpoints,
    String etcdPrefix,
    Duration leaseTtl,
    Duration etcdTimeout,
    String advertiseHost,
    String zone,
    Map<String, String> labels,
    Duration drainTimeout,
    long modelCacheBytes,
    EtcdAccess etcdAccess) {

  public MeshConfig {
    etcdEndpoints = List.copyOf(etcdEndpoints);
    labels = Map.copyOf(labels);
    Objects.requireNonNull(etcdPrefix, "etcdPrefix");
    Objects.requireNonNull(advertiseHost, "advertiseHost");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(etcdAccess, "etcdAccess");
    etcdAccess.requireFits(etcdEndpoints);
    for (String endpoint : etcdEndpoints) {
      if (!endpoint.matches("https?://[^/\\s]+/?")) {
        throw new ConfigException(
            "--etcd: '" + endpoint + "' is not an etcd URL like http://127.0.0.1:2379");
      }
    }
    if (!etcdPrefix.startsWith("/") || !etcdPrefix.endsWith("/") || etcdPrefix.length() < 2) {
      throw new ConfigException(
          "--etcd-prefix must start and end with '/', e.g. /densemesh/prod/, got '"
              + etcdPrefix + "'");
    }
    if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0 || leaseTtl.compareTo(Duration.ofHours(1)) > 0) {
      throw new ConfigException("--lease-ttl must be 2s..1h, got " + leaseTtl);
    }
    if (etcdTimeout.isNegative() || etcdTimeout.isZero()) {
      throw new ConfigException("--etcd-timeout must be > 0");
    }
    if (modelCacheBytes < (64 << 10)) {
      throw new ConfigException("--model-record-cache must be at least 64KiB, got "
          + modelCacheBytes + " bytes");
    }
    if (drainTimeout.isNegative()) {
      throw new ConfigException("--drain-timeout must be >= 0");
    }
  }

  public boolean usesEtcd() {
    return !etcdEndpoints.isEmpty();
  }

  /** Default {@code --model-record-cache}: about 100k typical model records. */
  public static final long DEFAULT_MODEL_CACHE_BYTES = 32L << 20;

  /** The embedded single-node default. */
  public static MeshConfig embedded() {
    return new MeshConfig(List.of(), "/densemesh/default/", Duration.ofSeconds(10),
        Duration.ofSeconds(5), "", "", Map.of(), Duration.ofSeconds(30),
        DEFAULT_MODEL_CACHE_BYTES, EtcdAccess.NONE);
  }
}
