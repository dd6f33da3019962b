package io.densemesh.grpc;

import io.densemesh.auth.ClientGate;
import io.densemesh.auth.Principal;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.mesh.ForwardHeaders;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.MeshException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * The edge of the client port, run once per call before any routing: refuses the mesh's internal
 * {@code dm-*} headers (only peers on the internal port may send them), authenticates the
 * {@code authorization} metadata into a {@link Principal} (when authentication is on; otherwise
 * every caller is {@link Principal#OPEN}), applies the tenant's request rate, and puts the
 * principal in the call's context. Liveness and readiness are answered without credentials so
 * probes need none.
 */
public final class ClientEdge implements ServerInterceptor {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final List<Metadata.Key<String>> INTERNAL = List.of(ForwardHeaders.HOP,
      ForwardHeaders.EXCLUDE, ForwardHeaders.LOAD_HERE, InternalEdge.MESH_SECRET);
  private static final List<String> PROBES = List.of(
      "inference.GRPCInferenceService/ServerLive", "inference.GRPCInferenceService/ServerReady",
      "grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch");

  private final ClientGate gate;

  public ClientEdge(ClientGate gate) {
    this.gate = gate;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Principal caller;
    try {
      for (Metadata.Key<String> key : INTERNAL) {
        if (headers.containsKey(key)) {
          throw new InvalidInputException("header '" + key.name() + "' is internal to the mesh"
              + " and not accepted on the client port");
        }
      }
      if (gate.authenticating()
          && PROBES.contains(call.getMethodDescriptor().getFullMethodName())) {
        return next.startCall(call, headers); // no principal: the probe sees nothing else
      }
      caller = gate.admit(headers.get(AUTHORIZATION));
    } catch (MeshException e) {
      StatusRuntimeException error = ErrorMapping.grpcError(e);
      call.close(error.getStatus(), error.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(Callers.PRINCIPAL, caller), call,
        headers, next);
  }
}
