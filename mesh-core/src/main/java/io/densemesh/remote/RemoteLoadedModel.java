package io.densemesh.remote;

import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ResidentModel;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.DeadlineExceededException;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A model loaded in a runtime process. Inference is encoded as a KServe V2 {@code ModelInfer}
 * request (raw contents), the model id is injected where the runtime's {@code methodInfos} say
 * and sent as {@code mm-model-id}, and the call goes to the data endpoint as bytes. The caller's
 * gRPC deadline and cancellation travel with it.
 *
 * <p>NOT_FOUND from the runtime means it lost this copy (restarted, or unloaded it on its own):
 * the copy is evicted from the node at once and the request fails UNAVAILABLE, which a client
 * may retry safely (the runtime did not run it); the retry loads the model again.
 */
final class RemoteLoadedModel extends ResidentModel {

  private static final io.grpc.MethodDescriptor<byte[], byte[]> INFER =
      RawCalls.method(RemoteModelRuntime.MODEL_INFER);

  private final RemoteModelRuntime runtime;
  private final String modelId;
  private final long generation;
  private final Semaphore concurrency;
  private final int[] injectionPath;
  private volatile boolean lost;

  RemoteLoadedModel(RemoteModelRuntime runtime, String modelId, long generation,
      ModelMetadata metadata, long sizeBytes, long loadMillis, int maxConcurrency,
      RuntimeParameters parameters) {
    super(metadata, sizeBytes, 0, loadMillis);
    this.runtime = runtime;
    this.modelId = modelId;
    this.generation = generation;
    this.concurrency = maxConcurrency > 0 ? new Semaphore(maxConcurrency, true) : null;
    this.injectionPath = parameters.injectionPath(RemoteModelRuntime.MODEL_INFER);
  }

  String modelId() {
    return modelId;
  }

  long generation() {
    return generation;
  }

  boolean lost() {
    return lost;
  }

  void markLost() {
    lost = true;
  }

  @Override
  public List<Tensor> infer(List<Tensor> inputs, Set<String> requestedOutputs) {
    if (lost) {
      throw new UnavailableException(lostMessage());
    }
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(modelId);
    ProtoTensorCodec.encodeInputs(inputs, request);
    requestedOutputs.forEach(name -> request.addOutputsBuilder().setName(name));
    byte[] bytes = IdInjection.inject(request.build().toByteArray(), injectionPath, modelId);
    long timeout = runtime.requestTimeout().toMillis();
    enter(timeout);
    try {
      byte[] answer = RawCalls.call(runtime.connection().data(), INFER, modelId, bytes, timeout);
      return ProtoTensorCodec.outputs(ModelInferResponse.parseFrom(answer));
    } catch (StatusRuntimeException e) {
      throw translate(e);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("runtime answered an unreadable ModelInferResponse", e);
    } finally {
      if (concurrency != null) {
        concurrency.release();
      }
    }
  }

  /** Honours the runtime's per-model concurrency limit (limitModelConcurrency). */
  private void enter(long timeoutMillis) {
    if (concurrency == null) {
      return;
    }
    try {
      if (!concurrency.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new CapacityExhaustedException(
            "model '" + modelId + "' is at its runtime concurrency limit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted waiting to run '" + modelId + "'");
    }
  }

  private RuntimeException translate(StatusRuntimeException e) {
    Status status = e.getStatus();
    String reason = "runtime: " + status.getDescription();
    return switch (status.getCode()) {
      case NOT_FOUND -> {
        lost = true;
        runtime.lostByRuntime(this);
        yield new UnavailableException(lostMessage(), e);
      }
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new InvalidInputException(reason, e);
      case FAILED_PRECONDITION -> new PreconditionFailedException(reason, e);
      case RESOURCE_EXHAUSTED -> new CapacityExhaustedException(reason, e);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(reason, e);
      case UNAVAILABLE, CANCELLED, ABORTED -> new UnavailableException(reason, e);
      default -> new IllegalStateException(
          "runtime failed running '" + modelId + "' (" + status.getCode() + "): "
              + status.getDescription(), e);
    };
  }

  private String lostMessage() {
    return "the runtime no longer holds model '" + modelId + "' (restarted or unloaded it);"
        + " the stale copy was evicted and a retry loads it again";
  }

  @Override
  protected void release() {
    runtime.unload(this);
  }
}
