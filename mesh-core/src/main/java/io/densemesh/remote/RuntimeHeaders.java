package io.densemesh.remote;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Carries headers between a client's inference call and the runtime call that serves it, both
 * ways, as ModelMesh does: the client's own headers go to the runtime, and the runtime's response
 * headers come back to the client. Transport and routing headers ({@code content-type},
 * {@code user-agent}, {@code te}, {@code grpc-*}, {@code mm-*}, {@code dm-*}) stay behind: the
 * runtime gets the node's own {@code mm-model-id} pair instead. Installed on the inference
 * service only when the node has a remote runtime.
 */
public final class RuntimeHeaders implements ServerInterceptor {

  private static final Context.Key<Exchange> EXCHANGE = Context.key("dm-runtime-headers");

  /** One call's headers: those for the runtime, and those the runtime answered with. */
  static final class Exchange {
    final Metadata toRuntime;
    volatile Metadata fromRuntime;

    Exchange(Metadata toRuntime) {
      this.toRuntime = toRuntime;
    }
  }

  /** The current call's exchange, or null outside an intercepted call. */
  static Exchange current() {
    return EXCHANGE.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Exchange exchange = new Exchange(passable(headers));
    ServerCall<Q, R> answering = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata responseHeaders) {
        Metadata fromRuntime = exchange.fromRuntime;
        if (fromRuntime != null) {
          responseHeaders.merge(passable(fromRuntime));
        }
        super.sendHeaders(responseHeaders);
      }
    };
    return Contexts.interceptCall(Context.current().withValue(EXCHANGE, exchange), answering,
        headers, next);
  }

  /** A copy of the headers without transport and routing ones. */
  static Metadata passable(Metadata headers) {
    Metadata out = new Metadata();
    for (String name : headers.keys()) {
      if (ignored(name)) {
        continue;
      }
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Metadata.Key<byte[]> key = Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
        headers.getAll(key).forEach(v -> out.put(key, v));
      } else {
        Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
        headers.getAll(key).forEach(v -> out.put(key, v));
      }
    }
    return out;
  }

  static boolean ignored(String name) {
    return name.equals("content-type") || name.equals("user-agent") || name.equals("te")
        || name.startsWith("grpc-") || name.startsWith("mm-") || name.startsWith("dm-")
        || name.startsWith(":");
  }
}
