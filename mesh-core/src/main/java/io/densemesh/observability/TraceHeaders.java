package io.densemesh.observability;

import io.grpc.Metadata;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;

/**
 * W3C trace context ({@code traceparent}, {@code tracestate}) in gRPC metadata. Injecting writes
 * nothing when no span is current (tracing off costs a thread-local read), so every outgoing call
 * of the node (forwards to peers, calls to a remote runtime) injects unconditionally.
 */
public final class TraceHeaders {

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapSetter<Metadata> SETTER = (headers, key, value) -> {
    Metadata.Key<String> k = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
    headers.discardAll(k);
    headers.put(k, value);
  };

  private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata headers) {
      return headers.keys();
    }

    @Override
    public String get(Metadata headers, String key) {
      return headers == null ? null
          : headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private TraceHeaders() {}

  /** The W3C header names. */
  public static List<String> names() {
    return List.copyOf(W3C.fields());
  }

  /** Writes the current trace context into outgoing headers (nothing when there is none). */
  public static void inject(Metadata headers) {
    W3C.inject(Context.current(), headers, SETTER);
  }

  /** The trace context a caller sent, on top of the root context. */
  static Context extract(Metadata headers) {
    return W3C.extract(Context.root(), headers, GETTER);
  }

  private static final TextMapGetter<java.util.function.Function<String, String>> HTTP =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(java.util.function.Function<String, String> headers) {
          return names();
        }

        @Override
        public String get(java.util.function.Function<String, String> headers, String key) {
          return headers == null ? null : headers.apply(key);
        }
      };

  /** The trace context an HTTP caller sent (headers by name), on top of the root context. */
  static Context extract(java.util.function.Function<String, String> headers) {
    return W3C.extract(Context.root(), headers, HTTP);
  }
}
