package io.densemesh.observability;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * Puts the call's request id (the caller's {@code x-request-id}, else a fresh random one) and,
 * when the call is traced, its {@code trace_id} and {@code span_id} into the logging MDC while the
 * call's callbacks run, so every log line a request causes names it. A forwarded request keeps
 * the id it came with (peers pass {@code x-request-id} on).
 */
public final class RequestIds implements ServerInterceptor {

  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  static final String REQUEST_ID = "request_id";
  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String given = headers.get(HEADER);
    String id = given != null && !given.isEmpty() && given.length() <= 128 ? given
        : Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    SpanContext span = Span.current().getSpanContext();
    Scoped scope = new Scoped(id, span.isValid() ? span.getTraceId() : null,
        span.isValid() ? span.getSpanId() : null);
    ServerCall.Listener<Q> listener;
    scope.enter();
    try {
      listener = next.startCall(call, headers);
    } finally {
      scope.exit();
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        scope.enter();
        try {
          super.onMessage(message);
        } finally {
          scope.exit();
        }
      }

      @Override
      public void onHalfClose() {
        scope.enter();
        try {
          super.onHalfClose();
        } finally {
          scope.exit();
        }
      }

      @Override
      public void onCancel() {
        scope.enter();
        try {
          super.onCancel();
        } finally {
          scope.exit();
        }
      }

      @Override
      public void onComplete() {
        scope.enter();
        try {
          super.onComplete();
        } finally {
          scope.exit();
        }
      }
    };
  }

  /** The current call's request id, or null outside one. */
  public static String current() {
    return MDC.get(REQUEST_ID);
  }

  private record Scoped(String requestId, String traceId, String spanId) {
    void enter() {
      MDC.put(REQUEST_ID, requestId);
      if (traceId != null) {
        MDC.put(TRACE_ID, traceId);
        MDC.put(SPAN_ID, spanId);
      }
    }

    void exit() {
      MDC.remove(REQUEST_ID);
      MDC.remove(TRACE_ID);
      MDC.remove(SPAN_ID);
    }
  }
}
