package io.densemesh.grpc;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.mesh.ForwardHeaders;
import io.densemesh.mesh.MeshRouter;
import io.densemesh.mesh.Peers;
import io.densemesh.mesh.Route;
import io.densemesh.mesh.RouteHints;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * The KServe V2 service with mesh routing: {@code ModelInfer} and {@code ModelMetadata} are
 * taken as opaque bytes; only the model name and version are read from the payload. A request
 * for a model held here is parsed and served by {@link InferenceGrpcService}; one held by a peer
 * is forwarded as the same bytes (one gRPC stack, no re-encoding) and the peer's answer is
 * passed back untouched, status and trailers included. A peer that fails with UNAVAILABLE is
 * excluded and the request routed again (at most {@link #MAX_ATTEMPTS} times): inference is a
 * pure function of its inputs, so a retry cannot do harm.
 */
public final class InferenceRouting {

  static final int MAX_ATTEMPTS = 3;

  private final InferenceGrpcService local;
  private final MeshRouter router;
  private final Peers peers;
  private final NodeMetrics metrics;
  private final Executor retries;

  public InferenceRouting(InferenceGrpcService local, MeshRouter router, Peers peers,
      NodeMetrics metrics, Executor retries) {
    this.local = local;
    this.router = router;
    this.peers = peers;
    this.metrics = metrics;
    this.retries = retries;
  }

  /** The service definition to register on the server (wrap it with the interceptors). */
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition generated = local.bindService();
    MethodDescriptor<byte[], byte[]> metadataBytes = Peers.MODEL_METADATA_BYTES;
    ServerServiceDefinition.Builder builder =
        ServerServiceDefinition.builder(GRPCInferenceServiceGrpc.SERVICE_NAME);
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      String name = method.getMethodDescriptor().getFullMethodName();
      if (!name.equals(Peers.MODEL_INFER_BYTES.getFullMethodName())
          && !name.equals(metadataBytes.getFullMethodName())) {
        builder.addMethod(method);
      }
    }
    builder.addMethod(Peers.MODEL_INFER_BYTES, ServerCalls.asyncUnaryCall(
        (body, out) -> handle(Peers.MODEL_INFER_BYTES, ModelInferRequest.parser(), body, out,
            local::infer)));
    builder.addMethod(metadataBytes, ServerCalls.asyncUnaryCall(
        (body, out) -> handle(metadataBytes, ModelMetadataRequest.parser(), body, out,
            local::metadata)));
    return builder.build();
  }

  private <Q, R extends MessageLite> void handle(MethodDescriptor<byte[], byte[]> method,
      Parser<Q> parser, byte[] body, StreamObserver<byte[]> out,
      BiFunction<Q, ModelSpec, R> serveHere) {
    ModelSpec model;
    try {
      NameAndVersion named = NameAndVersion.peek(body);
      model = local.resolve(named.name, named.version);
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.grpcStatus(e).asRuntimeException());
      return;
    }
    dispatch(new Call<>(method, parser, body, out, serveHere, model, Context.current()),
        MeshHeaders.currentHints(), 1);
  }

  private record Call<Q, R extends MessageLite>(
      MethodDescriptor<byte[], byte[]> method, Parser<Q> parser, byte[] body,
      StreamObserver<byte[]> out, BiFunction<Q, ModelSpec, R> serveHere, ModelSpec model,
      Context context) {}

  private <Q, R extends MessageLite> void dispatch(Call<Q, R> call, RouteHints hints,
      int attempt) {
    Route route;
    try {
      route = router.route(call.model, hints);
    } catch (RuntimeException e) {
      call.out.onError(ErrorMapping.grpcStatus(e).asRuntimeException());
      return;
    }
    if (route instanceof Route.Remote remote) {
      forward(call, hints, remote, attempt);
      return;
    }
    Unary.run(call.out, () -> {
      Q request;
      try {
        request = call.parser.parseFrom(call.body);
      } catch (InvalidProtocolBufferException e) {
        throw new InvalidInputException("malformed request: " + e.getMessage());
      }
      return call.serveHere.apply(request, call.model).toByteArray();
    });
  }

  private <Q, R extends MessageLite> void forward(Call<Q, R> call, RouteHints hints,
      Route.Remote remote, int attempt) {
    CallOptions options = CallOptions.DEFAULT;
    Deadline deadline = call.context.getDeadline();
    if (deadline != null) {
      options = options.withDeadline(deadline);
    }
    Peers.Peer peer = peers.peer(remote.address());
    Futures.addCallback(
        peers.forward(peer, call.method, call.body,
            ForwardHeaders.of(call.model.modelId(), hints, remote.loadHere()), options),
        new FutureCallback<byte[]>() {
          @Override
          public void onSuccess(byte[] response) {
            metrics.forwarded("ok");
            call.out.onNext(response);
            call.out.onCompleted();
          }

          @Override
          public void onFailure(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (status.getCode() == Status.Code.UNAVAILABLE && attempt < MAX_ATTEMPTS
                && !call.context.isCancelled()) {
              metrics.forwarded("retried");
              retries.execute(call.context.wrap(() ->
                  dispatch(call, hints.exclude(remote.instanceId()), attempt + 1)));
              return;
            }
            metrics.forwarded("failed");
            call.out.onError(status.asRuntimeException(Status.trailersFromThrowable(t)));
          }
        },
        MoreExecutors.directExecutor());
  }

  /** The model name (field 1) and version (field 2) of a V2 request, read without parsing it. */
  record NameAndVersion(String name, String version) {

    static NameAndVersion peek(byte[] body) {
      CodedInputStream in = CodedInputStream.newInstance(body);
      String name = "";
      String version = "";
      try {
        boolean haveName = false;
        boolean haveVersion = false;
        while (!(haveName && haveVersion)) {
          int tag = in.readTag();
          if (tag == 0) {
            break;
          }
          int field = tag >>> 3;
          if (field == 1 && (tag & 7) == 2) {
            name = in.readStringRequireUtf8();
            haveName = true;
          } else if (field == 2 && (tag & 7) == 2) {
            version = in.readStringRequireUtf8();
            haveVersion = true;
          } else if (!in.skipField(tag)) {
            break;
          }
        }
      } catch (IOException e) {
        throw new InvalidInputException("malformed request: " + e.getMessage());
      }
      return new NameAndVersion(name, version);
    }
  }
}
