/**
 * Logs and traces: logback set up from the node's flags (dated text or one JSON object per line),
 * a request id in every log line of a call, and OpenTelemetry tracing with W3C
 * {@code traceparent} propagated to peers and remote runtimes (off unless an OTLP endpoint is set).
 */
package io.densemesh.observability;
