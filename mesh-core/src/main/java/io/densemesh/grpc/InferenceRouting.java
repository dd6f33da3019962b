package io.densemesh.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelMetadataRequest;
import com.google.common.util.concurrent.MoreExecutors;
import io.densemesh.admission.Admission;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.mesh.PeerForwarding;
import io.densemesh.mesh.Peers;
import io.densemesh.mesh.RouteHints;
import io.densemesh.serving.ModelResolver;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.OverloadedException;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.densemesh.auth.Principal;
import java.util.function.BiFunction;

/**
 * The KServe V2 service with mesh routing: {@code ModelInfer} and {@code ModelMetadata} are
 * taken as opaque bytes; only the model name and version are read from the payload. A request
 * for a model held here is parsed and served by {@link InferenceGrpcService}; one held by a peer
 * is forwarded as the same bytes (one gRPC stack, no re-encoding) and the peer's answer is
 * passed back untouched, status and trailers included. Routing, forwarding and the retry rule
 * are {@link PeerForwarding}'s, shared with the REST front end.
 *
 * <p>A request served here is admitted first (the node's in-flight limit; refused at once with
 * RESOURCE_EXHAUSTED beyond it). If its model is not loaded yet, the request waits for the load
 * without a thread ({@link LocalPath#loads}): the call's thread goes back to the server, and the
 * request is served on the server's executor once the load is done. A caller that cancels or
 * passes its deadline stops waiting at once (and a queued load nobody waits for is dropped).
 */
public final class InferenceRouting {
  /**
   * How a request served on this node gets there.
   *
   * @param admission the node's in-flight limit
   * @param loads completes when a model is loaded here (starting the load), without a thread
   * @param executor where a request runs once its load finished (the server's bounded executor)
   * @param loadTimeout the longest a request waits for a load when it has no earlier deadline
   */
  public record LocalPath(Admission admission,
      Function<ModelSpec, CompletableFuture<Void>> loads, Executor executor,
      Duration loadTimeout) {}


  private final InferenceGrpcService local;
  private final PeerForwarding forwarding;
  private final Executor retries;
  private final LocalPath here;
  private final SplitTraffic splits;
  private final Consumer<Principal> streamAdmission;
  private final boolean unaryOnTransport;

  /**
   * The unary byte-level methods ({@code ModelInfer}, {@code ModelMetadata}) whose calls a port
   * may dispatch on its transport thread (see {@link #InferenceRouting(InferenceGrpcService,
   * PeerForwarding, Executor, LocalPath, SplitTraffic, Consumer, boolean)}).
   */
  public static final Set<String> TRANSPORT_METHODS = Set.of(
      Peers.MODEL_INFER_BYTES.getFullMethodName(),
      Peers.MODEL_METADATA_BYTES.getFullMethodName());

  public InferenceRouting(InferenceGrpcService local, PeerForwarding forwarding,
      Executor retries, LocalPath here) {
    this(local, forwarding, retries, here, null, caller -> { });
  }

  /**
   * @param splits counts split requests and sends shadow copies (null: no shadows)
   * @param streamAdmission charges each request after the first on a stream as the client
   *     edge charges a call (the tenant's rate); throws to refuse that request
   */
  public InferenceRouting(InferenceGrpcService local, PeerForwarding forwarding,
      Executor retries, LocalPath here, SplitTraffic splits,
      Consumer<Principal> streamAdmission) {
    this(local, forwarding, retries, here, splits, streamAdmission, false);
  }

  /**
   * @param unaryOnTransport the port dispatches {@link #TRANSPORT_METHODS} on its transport
   *     thread (a direct call executor for them): a request whose route is known from this
   *     node's view is routed and forwarded right there, with no thread switch; one served here
   *     moves to {@link LocalPath#executor} to be served, and one whose routing may block (a
   *     registry read or claim, a split) moves there before routing, as every request does
   *     when this is false
   */
  public InferenceRouting(InferenceGrpcService local, PeerForwarding forwarding,
      Executor retries, LocalPath here, SplitTraffic splits,
      Consumer<Principal> streamAdmission, boolean unaryOnTransport) {
    this.local = local;
    this.forwarding = forwarding;
    this.retries = retries;
    this.here = here;
    this.splits = splits;
    this.streamAdmission = streamAdmission;
    this.unaryOnTransport = unaryOnTransport;
  }

  /** The service definition to register on the server (wrap it with the interceptors). */
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition generated = local.bindService();
    MethodDescriptor<byte[], byte[]> metadataBytes = Peers.MODEL_METADATA_BYTES;
    MethodDescriptor<byte[], byte[]> streamBytes = Peers.MODEL_INFER_BYTES.toBuilder()
        .setFullMethodName(GRPCInferenceServiceGrpc.getModelStreamInferMethod()
            .getFullMethodName())
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING).build();
    List<String> replaced = List.of(Peers.MODEL_INFER_BYTES.getFullMethodName(),
        metadataBytes.getFullMethodName(), streamBytes.getFullMethodName());
    // The same schema as the generated service (server reflection lists it and its protos),
    // with the byte-level methods in place of the generated ones.
    ServiceDescriptor.Builder schema = ServiceDescriptor.newBuilder(
            GRPCInferenceServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(Peers.MODEL_INFER_BYTES)
        .addMethod(metadataBytes)
        .addMethod(streamBytes);
    List<ServerMethodDefinition<?, ?>> kept = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      if (!replaced.contains(method.getMethodDescriptor().getFullMethodName())) {
        schema.addMethod(method.getMethodDescriptor());
        kept.add(method);
      }
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(schema.build());
    kept.forEach(builder::addMethod);
    builder.addMethod(Peers.MODEL_INFER_BYTES, ServerCalls.asyncUnaryCall(
        (body, out) -> unary(Peers.MODEL_INFER_BYTES, ModelInferRequest.parser(), body, out,
            local::infer, true)));
    builder.addMethod(metadataBytes, ServerCalls.asyncUnaryCall(
        (body, out) -> unary(metadataBytes, ModelMetadataRequest.parser(), body, out,
            local::metadata, false)));
    // Each message of a stream is routed as one ModelInfer call.
    builder.addMethod(streamBytes, ServerCalls.asyncBidiStreamingCall(
        responses -> StreamingInference.open(responses, new StreamingInference.Handler() {
          private boolean first = true; // the call's admission charged the first request

          @Override
          public void handle(byte[] body, StreamObserver<byte[]> out) {
            if (!first) {
              try {
                streamAdmission.accept(Callers.current());
              } catch (RuntimeException e) {
                out.onError(ErrorMapping.grpcError(e));
                return;
              }
            }
            first = false;
            InferenceRouting.this.handle(Peers.MODEL_INFER_BYTES, ModelInferRequest.parser(),
                body, out, local::infer, true);
          }
        })));
    return builder.build();
  }

  /**
   * Serves one {@code ModelInfer} given as bytes, exactly as the unary call (route, forward or
   * admit and serve here), answering on {@code out}; run in the calling call's context, whose
   * caller, headers, deadline and cancellation apply (how {@link ChunkedInference} serves a
   * chunk).
   */
  void inferBytes(byte[] body, StreamObserver<byte[]> out) {
    handle(Peers.MODEL_INFER_BYTES, ModelInferRequest.parser(), body, out, local::infer, true);
  }

  private <Q, R extends MessageLite> void unary(MethodDescriptor<byte[], byte[]> method,
      Parser<Q> parser, byte[] body, StreamObserver<byte[]> out,
      BiFunction<Q, ModelSpec, R> serveHere, boolean inference) {
    if (!unaryOnTransport) {
      handle(method, parser, body, out, serveHere, inference);
      return;
    }
    if (routedOnTransport(method, parser, body, out, serveHere)) {
      return;
    }
    // Routing may block (or the request is unusual): on a worker, as if it had started there.
    Runnable onWorker = Context.current().wrap(io.opentelemetry.context.Context.current().wrap(
        () -> handle(method, parser, body, out, serveHere, inference)));
    try {
      here.executor().execute(onWorker);
    } catch (RejectedExecutionException full) {
      out.onError(ErrorMapping.grpcError(new OverloadedException(
          "no thread free to serve the request", Admission.RETRY_AFTER)));
    }
  }

  /**
   * Routes and dispatches a request on the transport thread when that needs no blocking call:
   * its model is in this node's view (not through a split) and its route is known
   * ({@link PeerForwarding#dispatchWithoutBlocking}). False, with nothing done, otherwise; an
   * error on the way is also left to the worker, which reports it as it always does.
   */
  private <Q, R extends MessageLite> boolean routedOnTransport(
      MethodDescriptor<byte[], byte[]> method, Parser<Q> parser, byte[] body,
      StreamObserver<byte[]> out, BiFunction<Q, ModelSpec, R> serveHere) {
    ModelSpec model;
    try {
      NameAndVersion named = NameAndVersion.peek(body);
      ModelResolver.Routed routed = local.routeWithoutBlocking(named.name, named.version);
      if (routed == null || routed.split()) {
        return false;
      }
      model = routed.model();
    } catch (RuntimeException e) {
      return false;
    }
    Context context = Context.current();
    CompletableFuture<Optional<byte[]>> dispatched = forwarding.dispatchWithoutBlocking(
        new PeerForwarding.Request(model, method, body, callOptions(context)),
        MeshHeaders.currentHints(), r -> retries.execute(context.wrap(r)), context::isCancelled);
    if (dispatched == null) {
      return false;
    }
    // Served here: never on the transport thread, always on the executor.
    dispatched.whenComplete((answer, failure) ->
        answer(answer, failure, parser, body, out, serveHere, model, context, false));
    return true;
  }

  private static CallOptions callOptions(Context context) {
    Deadline deadline = context.getDeadline();
    return deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
  }

  private <Q, R extends MessageLite> void handle(MethodDescriptor<byte[], byte[]> method,
      Parser<Q> parser, byte[] body, StreamObserver<byte[]> out,
      BiFunction<Q, ModelSpec, R> serveHere, boolean inference) {
    ModelSpec model;
    try {
      NameAndVersion named = NameAndVersion.peek(body);
      ModelResolver.Routed routed = local.route(named.name, named.version);
      model = routed.model();
      if (inference && splits != null && routed.split()) {
        out = splits.counted(routed, out);
        splits.shadow(routed, shadow -> shadowCopy(method, parser, body, serveHere, shadow));
      }
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.grpcError(e));
      return;
    }
    StreamObserver<byte[]> answer = out;
    dispatch(method, parser, body, answer, serveHere, model);
  }

  private <Q, R extends MessageLite> void dispatch(MethodDescriptor<byte[], byte[]> method,
      Parser<Q> parser, byte[] body, StreamObserver<byte[]> out,
      BiFunction<Q, ModelSpec, R> serveHere, ModelSpec model) {
    Context context = Context.current();
    AtomicBoolean returned = new AtomicBoolean();
    forwarding.dispatch(new PeerForwarding.Request(model, method, body, callOptions(context)),
            MeshHeaders.currentHints(), r -> retries.execute(context.wrap(r)),
            context::isCancelled)
        // Inline only on the call's own thread; after a retry, hop back to the executor.
        .whenComplete((answer, failure) -> answer(answer, failure, parser, body, out,
            serveHere, model, context, !returned.get()));
    returned.set(true);
  }

  /** Passes a peer's answer or failure on, or serves the request here when it was not sent. */
  private <Q, R extends MessageLite> void answer(Optional<byte[]> answer, Throwable failure,
      Parser<Q> parser, byte[] body, StreamObserver<byte[]> out,
      BiFunction<Q, ModelSpec, R> serveHere, ModelSpec model, Context context,
      boolean onCallThread) {
    if (failure != null) {
      out.onError(ErrorMapping.grpcStatus(failure)
          .asRuntimeException(Status.trailersFromThrowable(failure)));
    } else if (answer.isPresent()) {
      out.onNext(answer.get());
      out.onCompleted();
    } else {
      admitAndServe(parser, body, out, serveHere, model, context, onCallThread);
    }
  }

  /**
   * Admits the request, waits for its model's load without a thread, then serves it on the
   * executor (or inline when it is on the call's thread and the model is resident).
   */
  private <Q, R extends MessageLite> void admitAndServe(Parser<Q> parser, byte[] body,
      StreamObserver<byte[]> out, BiFunction<Q, ModelSpec, R> serveHere, ModelSpec model,
      Context context, boolean onCallThread) {
    Admission.Ticket ticket;
    CompletableFuture<Void> loaded;
    try {
      ticket = here.admission().enter();
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.grpcError(e));
      return;
    }
    try {
      loaded = here.loads().apply(model);
    } catch (RuntimeException e) {
      ticket.close();
      out.onError(ErrorMapping.grpcError(e));
      return;
    }
    // The trace context (OpenTelemetry's, apart from gRPC's) goes with the request when it is
    // served later on the executor, so calls it makes (a remote runtime) stay in its trace.
    Runnable serve = Admission.admittedContext(context, ticket).wrap(
        io.opentelemetry.context.Context.current().wrap(() -> {
          try {
            serveHere(parser, body, out, serveHere, model);
          } finally {
            ticket.close();
          }
        }));
    if (loaded.isDone() && !loaded.isCompletedExceptionally()) {
      if (onCallThread) {
        serve.run();
      } else {
        serveOnExecutor(serve, ticket, out);
      }
      return;
    }
    Context.CancellationListener gaveUp = c -> loaded.cancel(false);
    context.addListener(gaveUp, MoreExecutors.directExecutor());
    loaded.orTimeout(here.loadTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .whenComplete((done, failure) -> {
          context.removeListener(gaveUp);
          if (context.isCancelled()) {
            ticket.close(); // the caller is gone (cancelled or past its deadline): no answer
            return;
          }
          if (failure != null) {
            ticket.close();
            out.onError(ErrorMapping.grpcError(loadFailure(failure, model)));
            return;
          }
          serveOnExecutor(serve, ticket, out);
        });
  }

  private void serveOnExecutor(Runnable serve, Admission.Ticket ticket,
      StreamObserver<byte[]> out) {
    try {
      here.executor().execute(serve);
    } catch (RejectedExecutionException full) {
      ticket.close();
      out.onError(ErrorMapping.grpcError(new OverloadedException(
          "no thread free to serve the request", Admission.RETRY_AFTER)));
    }
  }

  /** What a failed wait for a load tells the caller. */
  private RuntimeException loadFailure(Throwable failure, ModelSpec model) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof TimeoutException) {
      return new DeadlineExceededException("model '" + model.modelId()
          + "' did not finish loading within " + here.loadTimeout());
    }
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    return new ModelLoadException("loading '" + model.modelId() + "' failed: " + cause, cause);
  }


  /**
   * A shadow's copy of a request: routed like any request for the shadow model, detached from
   * the client's call (its cancellation and deadline do not apply; the forward gets its own).
   */
  private <Q, R extends MessageLite> CompletableFuture<Void> shadowCopy(
      MethodDescriptor<byte[], byte[]> method, Parser<Q> parser, byte[] body,
      BiFunction<Q, ModelSpec, R> serveHere, ModelSpec shadow) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<byte[]> sink = new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {}

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
    Context detached = Context.current().fork();
    detached.run(() -> forwarding.dispatch(new PeerForwarding.Request(shadow, method, body,
                CallOptions.DEFAULT.withDeadlineAfter(SHADOW_DEADLINE.toMillis(),
                    TimeUnit.MILLISECONDS)), RouteHints.NONE,
            r -> retries.execute(detached.wrap(r)), () -> false)
        .whenComplete((answer, failure) -> {
          if (failure != null) {
            done.completeExceptionally(failure);
          } else if (answer.isPresent()) {
            done.complete(null);
          } else {
            // Served here like any request: admitted, waiting for a load without a thread.
            detached.run(() -> admitAndServe(parser, body, sink, serveHere, shadow, detached,
                false));
          }
        }));
    return done;
  }

  /** How long a shadow copy may take, loads included, before it counts as failed. */
  static final Duration SHADOW_DEADLINE = Duration.ofSeconds(30);

  private static <Q, R extends MessageLite> void serveHere(Parser<Q> parser, byte[] body,
      StreamObserver<byte[]> out, BiFunction<Q, ModelSpec, R> serveHere, ModelSpec model) {
    Unary.run(out, () -> {
      Q request;
      try {
        request = parser.parseFrom(body);
      } catch (InvalidProtocolBufferException e) {
        throw new InvalidInputException("malformed request: " + e.getMessage());
      }
      return serveHere.apply(request, model).toByteArray();
    });
  }

  /**
   * The model name (field 1) and version (field 2) of a V2 request, read without parsing it. The
   * whole message is walked (other fields are skipped, not decoded) because protobuf takes the
   * last occurrence of a field: stopping at the first would let a request route by one name and
   * be parsed with another.
   */
  record NameAndVersion(String name, String version) {

    static NameAndVersion peek(byte[] body) {
      NameAndVersion scanned = scan(body);
      return scanned != null ? scanned : parsed(body);
    }

    /**
     * The fast path: walks the tags, skipping other fields. Null where the walk cannot finish
     * cleanly (a malformed or unusual encoding, such as a varint longer than ten bytes, which
     * protobuf's own parser may still accept), so the caller falls back to the parser itself.
     */
    private static NameAndVersion scan(byte[] body) {
      CodedInputStream in = CodedInputStream.newInstance(body);
      String name = "";
      String version = "";
      try {
        while (true) {
          int tag = in.readTag();
          if (tag == 0) {
            return new NameAndVersion(name, version);
          }
          int field = tag >>> 3;
          if (field == 1 && (tag & 7) == 2) {
            name = in.readStringRequireUtf8();
          } else if (field == 2 && (tag & 7) == 2) {
            version = in.readStringRequireUtf8();
          } else if (!in.skipField(tag)) {
            return null; // an end-group tag at the top level
          }
        }
      } catch (IOException e) {
        return null;
      }
    }

    /** The slow path for odd encodings: whatever the serving node's parser would read. */
    private static NameAndVersion parsed(byte[] body) {
      try {
        ModelInferRequest request = ModelInferRequest.parseFrom(body);
        return new NameAndVersion(request.getModelName(), request.getModelVersion());
      } catch (InvalidProtocolBufferException e) {
        throw new InvalidInputException("malformed request: " + e.getMessage());
      }
    }
  }
}
