package io.densemesh.mesh;

import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.serving.ModelReadiness;
import io.densemesh.serving.Serving;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serving for the REST front end: local when this node holds (or is to load) the model, else
 * the request is re-encoded once as a V2 gRPC request and forwarded by {@link PeerForwarding}, the
 * same route-forward-retry path gRPC requests take. A
 * peer's error status passes through unchanged (ErrorMapping turns it into the HTTP status).
 */
public final class RoutedServing implements Serving {

  private final Serving local;
  private final PeerForwarding forwarding;
  private final ModelReadiness readiness;
  private final Duration defaultTimeout;
  private final Executor retries;

  /** @param retries where a retry after an UNAVAILABLE peer runs (not the transport thread) */
  public RoutedServing(Serving local, PeerForwarding forwarding,
      ModelReadiness readiness, Duration defaultTimeout, Executor retries) {
    this.local = local;
    this.retries = retries;
    this.forwarding = forwarding;
    this.readiness = readiness;
    this.defaultTimeout = defaultTimeout;
  }

  @Override
  public List<Tensor> infer(ModelSpec model, List<Tensor> inputs, Set<String> outputs,
      Duration timeout) {
    return routed(model, timeout, Peers.MODEL_INFER_BYTES,
        () -> ProtoTensorCodec.request(model.modelId(), inputs, outputs).toByteArray(),
        answer -> ProtoTensorCodec.outputs(ModelInferResponse.parseFrom(answer)),
        () -> local.infer(model, inputs, outputs, timeout));
  }

  @Override
  public ModelMetadata metadata(ModelSpec model, Duration timeout) {
    return routed(model, timeout, Peers.MODEL_METADATA_BYTES,
        () -> ModelMetadataRequest.newBuilder().setName(model.modelId()).build().toByteArray(),
        answer -> ProtoTensorCodec.metadata(ModelMetadataResponse.parseFrom(answer)),
        () -> local.metadata(model, timeout));
  }

  /** Decodes a peer's answer. */
  @FunctionalInterface
  private interface Answer<T> {
    T decode(byte[] bytes) throws InvalidProtocolBufferException;
  }

  /**
   * Serves here when {@link PeerForwarding} says so, else returns the peer's decoded answer; a
   * peer's error status is thrown as it came.
   */
  private <T> T routed(ModelSpec model, Duration timeout,
      MethodDescriptor<byte[], byte[]> method, Supplier<byte[]> request, Answer<T> answer,
      Supplier<T> here) {
    Duration limit = timeout == null ? defaultTimeout : timeout;
    Optional<byte[]> forwarded;
    try {
      forwarded = forwarding.dispatch(new PeerForwarding.Request(model, method, request.get(),
              CallOptions.DEFAULT.withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS)),
          RouteHints.NONE, retries, () -> false).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure; // a MeshException from routing, or the peer's StatusRuntimeException
      }
      throw new UnavailableException("forwarding " + model.modelId() + " failed: "
          + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadlineExceededException("interrupted while forwarding");
    }
    if (forwarded.isEmpty()) {
      return here.get();
    }
    try {
      return answer.decode(forwarded.get());
    } catch (InvalidProtocolBufferException e) {
      throw new UnavailableException("a peer sent a bad answer for " + model.modelId(), e);
    }
  }

  @Override
  public boolean ready(ModelSpec model) {
    return readiness.ready(model);
  }
}
