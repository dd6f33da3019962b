package io.densemesh.operator.mesh;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Finds the mesh: the gRPC target comes from a supplier (a fixed {@code --mesh-target}, or the
 * Service of a runtime deployed in the namespace: all nodes of a namespace share one registry, so
 * any of them answers for the whole mesh). One channel per target, kept until {@link #close}.
 */
public final class MeshConnector implements AutoCloseable {

  private final Supplier<Optional<String>> target;
  private final Duration deadline;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /**
   * @param target current gRPC target ({@code host:port} or a gRPC URI such as
   *     {@code dns:///svc.ns:8033}); empty while there is no mesh to talk to
   * @param deadline per-call deadline
   */
  public MeshConnector(Supplier<Optional<String>> target, Duration deadline) {
    this.target = target;
    this.deadline = deadline;
  }

  /** The fixed target {@code host:port}. */
  public static MeshConnector fixed(String target, Duration deadline) {
    return new MeshConnector(() -> Optional.of(target), deadline);
  }

  /** A client for the current target, or empty when no mesh is known yet. */
  public Optional<MeshClient> client() {
    return target.get().map(t -> new MeshClient(channels.computeIfAbsent(t,
        k -> NettyChannelBuilder.forTarget(k).usePlaintext().build()), deadline));
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
