package io.densemesh.grpc;

import io.densemesh.auth.Principal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The edge of the internal (node-to-node) port: when a mesh secret is configured, a call must
 * carry it in {@code dm-mesh-secret} (compared in constant time) or is refused UNAUTHENTICATED.
 * Callers that pass are mesh peers ({@link Principal#PEER}): the request was authorised where it
 * entered the mesh, so it is not checked again.
 */
public final class InternalEdge implements ServerInterceptor {

  /** The metadata a peer sends its mesh secret in (only ever on the internal port). */
  public static final Metadata.Key<String> MESH_SECRET = io.densemesh.mesh.Peers.MESH_SECRET;

  private final Optional<byte[]> secret;

  /** @param secret the shared mesh secret; empty to trust whoever reaches the port */
  public InternalEdge(Optional<String> secret) {
    this.secret = secret.map(s -> s.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (secret.isPresent()) {
      String presented = headers.get(MESH_SECRET);
      if (presented == null || !MessageDigest.isEqual(secret.get(),
          presented.getBytes(StandardCharsets.UTF_8))) {
        call.close(Status.UNAUTHENTICATED.withDescription(
            "the internal port accepts only mesh peers (missing or wrong mesh secret)"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    return Contexts.interceptCall(Context.current().withValue(Callers.PRINCIPAL, Principal.PEER),
        call, headers, next);
  }
}
