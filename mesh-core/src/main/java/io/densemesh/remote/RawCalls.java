package io.densemesh.remote;

import io.densemesh.mesh.Peers;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Unary calls to a runtime's data endpoint with the request and response as bytes, so the model
 * id can be injected at any field path and the node needs no stubs of the runtime's services.
 * Every call carries the {@code mm-model-id} header (ASCII when the id is, else {@code -bin}).
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
   * {@code timeoutMillis}.
   */
  static byte[] call(Channel channel, MethodDescriptor<byte[], byte[]> method, String modelId,
      byte[] request, long timeoutMillis) {
    Metadata headers = new Metadata();
    if (StandardCharsets.US_ASCII.newEncoder().canEncode(modelId)) {
      headers.put(MODEL_ID, modelId);
    } else {
      headers.put(MODEL_ID_BIN, modelId.getBytes(StandardCharsets.UTF_8));
    }
    Channel withHeaders =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    return ClientCalls.blockingUnaryCall(withHeaders, method,
        CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS), request);
  }
}
