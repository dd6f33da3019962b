package io.densemesh.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * Traces and request ids for REST, as {@link TracingInterceptor} and {@link RequestIds} do for
 * gRPC: a server span per request (its parent from the caller's W3C {@code traceparent}, when
 * tracing is on), current while the request's work runs, so a forward to a peer or a call to a
 * remote runtime carries the trace on; and a request id (the caller's {@code X-Request-Id}, or a
 * new one) in the log lines the work writes and echoed on the answer.
 */
public final class RestTracing {

  /** The request id header, as on gRPC. */
  public static final String REQUEST_ID_HEADER = "X-Request-Id";

  private final Tracer tracer;

  RestTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Request ids only: no spans (tracing off). */
  public static RestTracing idsOnly() {
    return new RestTracing(null);
  }

  /**
   * Opens a request's span.
   *
   * @param method the HTTP method
   * @param route the route's name (e.g. {@code ModelInfer}), never the raw path
   * @param header the request's headers by name
   */
  public Traced start(String method, String route, Function<String, String> header) {
    String given = header.apply(REQUEST_ID_HEADER);
    String id = given != null && !given.isEmpty() && given.length() <= 128
        && given.chars().allMatch(c -> c > 32 && c < 127) ? given
        : Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    if (tracer == null) {
      return new Traced(id, Context.root(), Span.getInvalid());
    }
    Context parent = TraceHeaders.extract(header);
    Span span = tracer.spanBuilder(method + " " + route).setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", method)
        .setAttribute("http.route", route)
        .startSpan();
    return new Traced(id, parent.with(span), span);
  }

  /** One request's span and id. */
  public static final class Traced {
    private final String requestId;
    private final Context context;
    private final Span span;

    Traced(String requestId, Context context, Span span) {
      this.requestId = requestId;
      this.context = context;
      this.span = span;
    }

    public String requestId() {
      return requestId;
    }

    /** Runs the request's work with its span current and its ids in the log context. */
    public <T> T run(Supplier<T> work) {
      SpanContext sc = span.getSpanContext();
      MDC.put(RequestIds.REQUEST_ID, requestId);
      if (sc.isValid()) {
        MDC.put(RequestIds.TRACE_ID, sc.getTraceId());
        MDC.put(RequestIds.SPAN_ID, sc.getSpanId());
      }
      try (Scope ignored = context.makeCurrent()) {
        return work.get();
      } finally {
        MDC.remove(RequestIds.REQUEST_ID);
        MDC.remove(RequestIds.TRACE_ID);
        MDC.remove(RequestIds.SPAN_ID);
      }
    }

    /** Ends the span with the answer's status (5xx marks it an error). */
    public void end(int status) {
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR, Integer.toString(status));
      }
      span.end();
    }
  }
}
