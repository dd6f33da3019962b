package io.densemesh.remote;

import io.densemesh.mesh.Peers;
import io.densemesh.observability.TraceHeaders;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Unary calls to a runtime's data endpoint with the request and response as bytes, so the model
 * id can be injected at any field path and the node needs no stubs of the runtime's services.
 * Every call carries the {@code mm-model-id-bin} header, and {@code mm-model-id} when the id is
 * ASCII.
 */
final class RawCalls {

  static final Metadata.Key<String> MODEL_ID =
      Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<byte[]> MODEL_ID_BIN =
      Metadata.Key.of("mm-model-id-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private RawCalls() {}

  static MethodDescriptor<byte[], byte[]> method(String fullName) {
    return Peers.bytesMethod(fullName);
  }

  /**
   * A blocking call; the caller's gRPC context deadline and cancellation apply on top of
   * {@code timeoutMillis}. As ModelMesh, the model id always goes as {@code mm-model-id-bin}
   * (UTF-8) and also as {@code mm-model-id} when it is ASCII. Inside a client call that
   * {@link RuntimeHeaders} intercepted, the client's headers go along and the runtime's response
   * headers are handed back to it.
   */
  static byte[] call(Channel channel, MethodDescriptor<byte[], byte[]> method, String modelId,
      byte[] request, long timeoutMillis) {
    RuntimeHeaders.Exchange exchange = RuntimeHeaders.current();
    Metadata headers = new Metadata();
    if (exchange != null) {
      headers.merge(exchange.toRuntime);
    }
    TraceHeaders.inject(headers); // the runtime's spans join the request's trace
    headers.put(MODEL_ID_BIN, modelId.getBytes(StandardCharsets.UTF_8));
    if (StandardCharsets.US_ASCII.newEncoder().canEncode(modelId)) {
      headers.put(MODEL_ID, modelId);
    }
    Channel withHeaders =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    AtomicReference<Metadata> answered = new AtomicReference<>();
    if (exchange != null) {
      withHeaders = ClientInterceptors.intercept(withHeaders,
          MetadataUtils.newCaptureMetadataInterceptor(answered, new AtomicReference<>()));
    }
    try {
      return ClientCalls.blockingUnaryCall(withHeaders, method,
          CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS), request);
    } finally {
      if (exchange != null && answered.get() != null) {
        exchange.fromRuntime = answered.get();
      }
    }
  }
}
