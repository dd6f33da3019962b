package io.densemesh.operator.mesh;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
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
 * Calls carry the operator's API key ({@code authorization: Bearer}) once one is set: nodes
 * started with credentials refuse registrations without it.
 */
public final class MeshConnector implements AutoCloseable {

  private final Supplier<Optional<String>> target;
  private final Duration deadline;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile Optional<String> apiKey = Optional.empty();

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

  /** The API key later calls present; empty: none (nodes without authentication). */
  public void authenticateWith(Optional<String> key) {
    this.apiKey = key;
  }

  /** A client for the current target, or empty when no mesh is known yet. */
  public Optional<MeshClient> client() {
    return target.get().map(t -> new MeshClient(ClientInterceptors.intercept(
        channels.computeIfAbsent(t, k -> NettyChannelBuilder.forTarget(k).usePlaintext().build()),
        new Credentials()), deadline));
  }

  /** Adds the current API key, read at each call (so a key set later reaches old clients). */
  private final class Credentials implements ClientInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
        CallOptions options, Channel next) {
      Optional<String> key = apiKey;
      if (key.isEmpty()) {
        return next.newCall(method, options);
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(AUTHORIZATION, "Bearer " + key.get());
          super.start(listener, headers);
        }
      };
    }
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
