package io.densemesh.registry;

import io.densemesh.config.EtcdAccess;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a node reaches etcd.
 *
 * @param endpoints etcd client URLs, e.g. {@code http://127.0.0.1:2379}
 * @param prefix root of this mesh's keys, ending in {@code /}; several meshes share one etcd
 *     under different prefixes
 * @param leaseTtl how long a dead node's live records outlive it
 * @param opTimeout how long one etcd call may take before the caller gets UNAVAILABLE
 * @param modelCacheBytes heap bound for cached model records ({@link RecordCache})
 * @param access TLS material and user; must fit the endpoints' schemes
 */
public record EtcdSettings(List<String> endpoints, String prefix, Duration leaseTtl,
    Duration opTimeout, long modelCacheBytes, EtcdAccess access) {

  /** Settings with the default model record cache, plain {@code http} etcd without a user. */
  public EtcdSettings(List<String> endpoints, String prefix, Duration leaseTtl,
      Duration opTimeout) {
    this(endpoints, prefix, leaseTtl, opTimeout, 32L << 20, EtcdAccess.NONE);
  }

  public EtcdSettings {
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(leaseTtl, "leaseTtl");
    Objects.requireNonNull(opTimeout, "opTimeout");
    Objects.requireNonNull(access, "access");
    access.requireFits(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one etcd endpoint is needed");
    }
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new IllegalArgumentException("etcd prefix must start and end with '/': " + prefix);
    }
  }
}
