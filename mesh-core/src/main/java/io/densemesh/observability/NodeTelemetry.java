package io.densemesh.observability;

import io.densemesh.config.ObservabilitySettings;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The node's OpenTelemetry tracing: off by default (no interceptor, nothing allocated per call);
 * with {@code --otlp-endpoint} spans go to that OTLP/gRPC collector in batches, sampled
 * parent-based with {@code --trace-sampling} as the ratio for new traces. Each node owns its
 * tracer provider (several nodes may share a JVM in tests), so nothing global is set.
 */
public final class NodeTelemetry implements AutoCloseable {

  private static final NodeTelemetry OFF = new NodeTelemetry(null);

  private final SdkTracerProvider provider;

  private NodeTelemetry(SdkTracerProvider provider) {
    this.provider = provider;
  }

  /** Tracing as the settings say (off without an OTLP endpoint). */
  public static NodeTelemetry create(ObservabilitySettings settings, String instanceId) {
    if (!settings.tracing()) {
      return OFF;
    }
    SpanExporter otlp = OtlpGrpcSpanExporter.builder().setEndpoint(settings.otlpEndpoint())
        .build();
    return new NodeTelemetry(provider(BatchSpanProcessor.builder(otlp).build(),
        settings.traceSampling(), instanceId));
  }

  /** Tracing into the given exporter, each span exported as it ends (tests, embedding). */
  public static NodeTelemetry exportingTo(SpanExporter exporter, double sampling,
      String instanceId) {
    return new NodeTelemetry(provider(SimpleSpanProcessor.create(exporter), sampling,
        instanceId));
  }

  public static NodeTelemetry off() {
    return OFF;
  }

  private static SdkTracerProvider provider(SpanProcessor processor, double sampling,
      String instanceId) {
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "densemesh",
        AttributeKey.stringKey("service.instance.id"), instanceId)));
    return SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampling)))
        .addSpanProcessor(processor)
        .build();
  }

  /** The server interceptor that opens a span per call; empty when tracing is off. */
  public Optional<ServerInterceptor> serverInterceptor() {
    return provider == null ? Optional.empty()
        : Optional.of(new TracingInterceptor(provider.get("io.densemesh.node")));
  }

  /** Spans (when tracing is on) and request ids for the REST server. */
  public RestTracing restTracing() {
    return new RestTracing(provider == null ? null : provider.get("io.densemesh.node"));
  }

  @Override
  public void close() {
    if (provider != null) {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
