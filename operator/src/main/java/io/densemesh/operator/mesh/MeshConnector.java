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
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Finds the mesh: the gRPC target comes from a supplier (a fixed {@code --mesh-target}, or the
 * Service of a runtime deployed in the namespace: all nodes of a namespace share one registry, so
 * any of them answers for the whole mesh). One channel per target, kept until {@link #close}.
 * Calls carry the operator's API key ({@code authorization: Bearer}) once one is set: nodes
 * started with credentials refuse registrations without it. Once a CA is {@link #trust trusted}
 * (nodes serving TLS), calls go over TLS and verify the node's certificate against it.
 */
public final class MeshConnector implements AutoCloseable {

  private final Supplier<Optional<String>> target;
  private final Duration deadline;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile Optional<String> apiKey = Optional.empty();
  private volatile Optional<Trust> trust = Optional.empty();

  /** A CA bundle (PEM) and a key naming it among channels. */
  private record Trust(byte[] pem, String id) {}

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

  /**
   * The CA (PEM) that nodes' serving certificates chain to: from then on the operator calls nodes
   * over TLS, verifying the certificate names the target's host (the runtime's Service name);
   * empty: plaintext. A changed CA opens new channels; calls in flight finish on the old ones.
   */
  public void trust(Optional<byte[]> caPem) {
    Optional<Trust> next = caPem.map(pem -> new Trust(pem.clone(), digest(pem)));
    if (!next.map(Trust::id).equals(trust.map(Trust::id))) {
      trust = next;
    }
  }

  /** A client for the current target, or empty when no mesh is known yet. */
  public Optional<MeshClient> client() {
    Optional<Trust> tls = trust;
    return target.get().map(t -> new MeshClient(ClientInterceptors.intercept(
        channels.computeIfAbsent(t + tls.map(x -> " tls " + x.id()).orElse(""),
            k -> channel(t, tls)),
        new Credentials()), deadline));
  }

  private static ManagedChannel channel(String target, Optional<Trust> tls) {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target);
    if (tls.isEmpty()) {
      return builder.usePlaintext().build();
    }
    try {
      return builder.sslContext(GrpcSslContexts.forClient()
          .trustManager(new ByteArrayInputStream(tls.get().pem())).build()).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalStateException("the nodes' CA certificate is not usable: "
          + e.getMessage(), e);
    }
  }

  private static String digest(byte[] pem) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pem));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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
