package io.densemesh.mesh;

import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.serving.ModelServing;
import io.densemesh.serving.Serving;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Serving for the REST front end: local when this node holds (or is to load) the model, else
 * the request is re-encoded once as a V2 gRPC request and forwarded to the peer the router picks,
 * with the same retry-on-UNAVAILABLE rule as gRPC forwarding. A peer's error status passes
 * through unchanged (ErrorMapping turns it into the HTTP status).
 */
public final class RoutedServing implements Serving {

  private static final int MAX_ATTEMPTS = 3;

  private final ModelServing local;
  private final MeshRouter router;
  private final Peers peers;
  private final Predicate<String> loadedInMesh;
  private final Duration defaultTimeout;
  private final NodeMetrics metrics;

  public RoutedServing(ModelServing local, MeshRouter router, Peers peers,
      Predicate<String> loadedInMesh, Duration defaultTimeout, NodeMetrics metrics) {
    this.metrics = metrics;
    this.local = local;
    this.router = router;
    this.peers = peers;
    this.loadedInMesh = loadedInMesh;
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
   * Serves here when the router says so, else forwards the encoded request to the chosen peer;
   * a peer answering UNAVAILABLE is excluded and the request routed again (up to
   * {@link #MAX_ATTEMPTS}).
   */
  private <T> T routed(ModelSpec model, Duration timeout,
      MethodDescriptor<byte[], byte[]> method, Supplier<byte[]> request, Answer<T> answer,
      Supplier<T> here) {
    RouteHints hints = RouteHints.NONE;
    for (int attempt = 1; ; attempt++) {
      Route route = router.route(model, hints);
      if (!(route instanceof Route.Remote remote)) {
        return here.get();
      }
      try {
        return answer.decode(call(remote, method, request.get(), model, hints, timeout));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        hints = hints.exclude(remote.instanceId());
      } catch (InvalidProtocolBufferException e) {
        throw new UnavailableException("peer " + remote.instanceId() + " sent a bad answer", e);
      }
    }
  }

  @Override
  public boolean ready(ModelSpec model) {
    return local.ready(model) || loadedInMesh.test(model.modelId());
  }

  private byte[] call(Route.Remote remote, MethodDescriptor<byte[], byte[]> method,
      byte[] request, ModelSpec model, RouteHints hints, Duration timeout) {
    Duration limit = timeout == null ? defaultTimeout : timeout;
    Metadata headers = ForwardHeaders.of(model.modelId(), hints, remote.loadHere());
    try {
      byte[] answer = peers.forward(peers.peer(remote.address()), method, request, headers,
              CallOptions.DEFAULT.withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS))
          .get();
      metrics.forwarded("ok");
      return answer;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        metrics.forwarded(sre.getStatus().getCode() == Status.Code.UNAVAILABLE
            ? "retried" : "failed");
        throw sre;
      }
      metrics.forwarded("failed");
      throw new UnavailableException("forwarding to " + remote.instanceId() + " failed: "
          + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadlineExceededException("interrupted while forwarding");
    }
  }
}
