package io.densemesh.grpc;

import io.densemesh.errors.ErrorMapping;
import io.densemesh.mesh.ForwardHeaders;
import io.densemesh.mesh.RouteHints;
import io.densemesh.runtime.error.InvalidInputException;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.nio.charset.StandardCharsets;

/**
 * Captures ModelMesh's routing headers ({@code mm-vmodel-id}, {@code mm-model-id}, and their
 * binary {@code -bin} variants holding UTF-8 bytes) into the call's context. As ModelMesh, a call
 * naming both a model and a vmodel, or sending one of them empty, is INVALID_ARGUMENT.
 */
public final class MeshHeaders implements ServerInterceptor {

  static final Context.Key<String> VMODEL_ID = Context.key("mm-vmodel-id");
  static final Context.Key<String> MODEL_ID = Context.key("mm-model-id");
  /** The request's key for a vmodel's sticky traffic split ({@code mm-split-key}). */
  static final Context.Key<String> SPLIT_KEY = Context.key("mm-split-key");

  private static final Metadata.Key<String> VMODEL =
      Metadata.Key.of("mm-vmodel-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> VMODEL_BIN =
      Metadata.Key.of("mm-vmodel-id-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final Metadata.Key<String> MODEL =
      Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> MODEL_BIN =
      Metadata.Key.of("mm-model-id-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final Metadata.Key<String> SPLIT =
      Metadata.Key.of("mm-split-key", Metadata.ASCII_STRING_MARSHALLER);

  /** Routing hints between nodes: hops so far, instances that failed it, load here. */
  static final Context.Key<RouteHints> HINTS = Context.key("dm-route-hints");
  /** The {@code mm-model-id} of the current call, or null when it sent none. */
  public static String modelId() {
    return MODEL_ID.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String vmodel;
    String model;
    try {
      vmodel = value(headers, VMODEL, VMODEL_BIN);
      model = value(headers, MODEL, MODEL_BIN);
      if (vmodel != null && model != null) {
        throw new InvalidInputException("must include only one of model id and vmodel id");
      }
    } catch (InvalidInputException e) {
      call.close(ErrorMapping.grpcStatus(e), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    RouteHints hints = ForwardHeaders.parse(headers);
    String splitKey = headers.get(SPLIT);
    if (vmodel == null && model == null && hints == RouteHints.NONE && splitKey == null) {
      return next.startCall(call, headers);
    }
    Context ctx = Context.current().withValues(VMODEL_ID, vmodel, MODEL_ID, model, HINTS, hints)
        .withValue(SPLIT_KEY, splitKey);
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  /** The current call's routing hints (none when a client, not a peer, sent it). */
  static RouteHints currentHints() {
    RouteHints hints = HINTS.get();
    return hints == null ? RouteHints.NONE : hints;
  }

  /**
   * The header's value (the text form first, as ModelMesh), or null when neither form is sent.
   *
   * @throws InvalidInputException when the header is sent empty
   */
  private static String value(Metadata headers, Metadata.Key<String> text,
      Metadata.Key<byte[]> binary) {
    String v = headers.get(text);
    if (v == null) {
      byte[] b = headers.get(binary);
      v = b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
    if (v != null && v.isEmpty()) {
      throw new InvalidInputException(text.name() + " header must not be empty");
    }
    return v;
  }
}
