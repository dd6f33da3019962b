package io.densemesh.remote;

import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.api.mmesh.LoadModelRequest;
import io.densemesh.api.mmesh.LoadModelResponse;
import io.densemesh.api.mmesh.ModelRuntimeGrpc;
import io.densemesh.api.mmesh.ModelSizeRequest;
import io.densemesh.api.mmesh.PredictModelSizeRequest;
import io.densemesh.api.mmesh.UnloadModelRequest;
import io.densemesh.config.RemoteRuntimeOption;
import io.densemesh.tls.RuntimeLinkTls;
import io.densemesh.runtime.DataType;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.RuntimeStatus;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.UnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runtime process reached over the ModelMesh runtime SPI.
 *
 * <p>Loading: wait for the runtime to be READY, take one of its {@code maxLoadingConcurrency}
 * slots, call {@code loadModel} with the runtime's {@code modelLoadingTimeoutMs} as deadline (the
 * artifact path the node resolved is sent as {@code modelPath}, the role ModelMesh's puller plays),
 * size it ({@code sizeInBytes}, else {@code modelSize}, else the default size) and read its V2
 * metadata from the data endpoint. Any load that ends without a model in the node's hands (a
 * timeout, a cancellation, an error other than FAILED_PRECONDITION/INVALID_ARGUMENT, a metadata
 * failure) is followed by {@code unloadModel}, as the contract asks.
 *
 * <p>Models lost by the runtime (a suspected restart, or NOT_FOUND on inference) are handed to
 * the {@link #onModelsLost} listener, which evicts them from the node's cache; the next request
 * loads them again.
 */
public final class RemoteModelRuntime implements ModelRuntime {

  private static final Logger log = LoggerFactory.getLogger(RemoteModelRuntime.class);
  static final String MODEL_INFER = "inference.GRPCInferenceService/ModelInfer";
  static final String MODEL_METADATA = "inference.GRPCInferenceService/ModelMetadata";
  private static final long PREDICT_DEADLINE_MS = 5_000;

  private final RuntimeConnection connection;
  private final Duration requestTimeout;
  private final Semaphore loadingSlots;
  private final Map<String, RemoteLoadedModel> live = new ConcurrentHashMap<>();
  private volatile Consumer<String> lossListener = id -> {};

  private RemoteModelRuntime(RuntimeConnection connection, Duration requestTimeout) {
    this.connection = connection;
    this.requestTimeout = requestTimeout;
    RuntimeParameters p = connection.parameters();
    if (!p.serves(MODEL_INFER) || !p.serves(MODEL_METADATA)) {
      throw new UnavailableException("runtime at " + connection.option().runtime()
          + " does not list " + MODEL_INFER + " and " + MODEL_METADATA + " in its methodInfos;"
          + " the node forwards KServe V2 inference and reads V2 model metadata");
    }
    this.loadingSlots = new Semaphore(p.maxLoadingConcurrency(), true);
    connection.onLoss(this::generationEnded);
  }

  /**
   * Connects to the runtime and waits until it reports READY.
   *
   * @param requestTimeout the node's load timeout: how long loads wait for READY and the bound of
   *     a forwarded inference that carries no deadline of its own
   * @throws UnavailableException when it is not READY within {@code requestTimeout}
   */
  public static RemoteModelRuntime connect(RemoteRuntimeOption option, Duration requestTimeout,
      int maxMessageBytes) {
    return connect(option, Optional.empty(), requestTimeout, maxMessageBytes);
  }

  /**
   * As {@link #connect(RemoteRuntimeOption, Duration, int)}, over TLS for TCP addresses when
   * {@code tls} is given; the connection owns {@code tls} and closes it.
   */
  public static RemoteModelRuntime connect(RemoteRuntimeOption option,
      Optional<RuntimeLinkTls> tls, Duration requestTimeout, int maxMessageBytes) {
    RuntimeConnection connection =
        RuntimeConnection.open(option, tls, requestTimeout, maxMessageBytes, requestTimeout);
    try {
      return new RemoteModelRuntime(connection, requestTimeout);
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** Where lost model ids go (the node evicts them from its cache). */
  public void onModelsLost(Consumer<String> listener) {
    this.lossListener = listener;
  }

  /** Memory the runtime offers models, bytes; 0 when it does not say. */
  public long capacityBytes() {
    return connection.parameters().capacityBytes();
  }

  @Override
  public boolean supports(String modelType) {
    return modelType != null
        && connection.option().types().contains(modelType.toLowerCase(Locale.ROOT));
  }

  @Override
  public RuntimeStatus status() {
    RuntimeParameters p = connection.parameters();
    return new RuntimeStatus("remote " + connection.option().runtime() + " " + p.version(),
        connection.option().types(), p.maxLoadingConcurrency(), p.defaultModelSizeBytes());
  }

  @Override
  public LoadedModel load(ModelSpec spec, Path artifact) {
    long started = System.nanoTime();
    long generation = connection.awaitReady(requestTimeout);
    RuntimeParameters p = connection.parameters();
    acquireSlot(spec.modelId());
    try {
      LoadModelResponse loaded = loadModel(spec, artifact, p);
      try {
        long size = size(spec.modelId(), loaded.getSizeInBytes(), p);
        ModelMetadata metadata = metadata(spec.modelId(), p);
        RemoteLoadedModel model = new RemoteLoadedModel(this, spec.modelId(), generation,
            metadata, size, (System.nanoTime() - started) / 1_000_000,
            p.limitModelConcurrency() ? loaded.getMaxConcurrency() : 0, p);
        live.put(spec.modelId(), model);
        if (connection.generation() != generation) {
          live.remove(spec.modelId(), model);
          throw new UnavailableException("runtime at " + connection.option().runtime()
              + " restarted while loading '" + spec.modelId() + "'");
        }
        return model;
      } catch (RuntimeException e) {
        unloadAfterFailedLoad(spec.modelId());
        throw e;
      }
    } finally {
      loadingSlots.release();
    }
  }

  private void acquireSlot(String modelId) {
    try {
      if (!loadingSlots.tryAcquire(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new UnavailableException("no loading slot of runtime " + connection.option().runtime()
            + " freed up within " + requestTimeout + " for '" + modelId + "'");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("loading '" + modelId + "' was interrupted");
    }
  }

  private LoadModelResponse loadModel(ModelSpec spec, Path artifact, RuntimeParameters p) {
    try {
      return connection.runtime()
          .withDeadlineAfter(p.loadTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .loadModel(LoadModelRequest.newBuilder().setModelId(spec.modelId())
              .setModelType(spec.type()).setModelPath(artifact.toString())
              .setModelKey(spec.key()).build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      String reason = e.getStatus().getDescription();
      if (code == Status.Code.FAILED_PRECONDITION || code == Status.Code.INVALID_ARGUMENT) {
        // The contract: nothing was loaded, nothing to unload.
        throw new ModelLoadException("runtime could not load '" + spec.modelId() + "': "
            + reason, e);
      }
      unloadAfterFailedLoad(spec.modelId());
      throw switch (code) {
        case DEADLINE_EXCEEDED -> new ModelLoadException("runtime did not load '"
            + spec.modelId() + "' within its load timeout of " + p.loadTimeout()
            + "; the load was cancelled and the model unloaded", e);
        case CANCELLED -> new UnavailableException("loading '" + spec.modelId()
            + "' was cancelled; the model was unloaded", e);
        case UNAVAILABLE -> new UnavailableException("runtime at "
            + connection.option().runtime() + " is unreachable: " + reason, e);
        default -> new ModelLoadException("runtime failed to load '" + spec.modelId() + "' ("
            + code + "): " + reason, e);
      };
    }
  }

  private long size(String modelId, long reported, RuntimeParameters p) {
    if (reported > 0) {
      return reported;
    }
    try {
      long measured = connection.runtime()
          .withDeadlineAfter(PREDICT_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .modelSize(ModelSizeRequest.newBuilder().setModelId(modelId).build())
          .getSizeInBytes();
      return measured > 0 ? measured : p.defaultModelSizeBytes();
    } catch (StatusRuntimeException e) {
      log.debug("modelSize of {} failed ({}); using the default size", modelId, e.getStatus());
      return p.defaultModelSizeBytes();
    }
  }

  private ModelMetadata metadata(String modelId, RuntimeParameters p) {
    byte[] request = IdInjection.inject(
        ModelMetadataRequest.newBuilder().setName(modelId).build().toByteArray(),
        p.injectionPath(MODEL_METADATA), modelId);
    try {
      ModelMetadataResponse response = ModelMetadataResponse.parseFrom(
          RawCalls.call(connection.data(), RawCalls.method(MODEL_METADATA), modelId, request,
              PREDICT_DEADLINE_MS));
      return new ModelMetadata(response.getPlatform(), specs(response.getInputsList()),
          specs(response.getOutputsList()));
    } catch (StatusRuntimeException e) {
      throw new ModelLoadException("runtime loaded '" + modelId + "' but its V2 metadata is"
          + " unavailable: " + e.getStatus(), e);
    } catch (com.google.protobuf.InvalidProtocolBufferException | InvalidInputException e) {
      throw new ModelLoadException("runtime answered unreadable metadata for '" + modelId + "': "
          + e.getMessage(), e);
    }
  }

  private static List<TensorSpec> specs(List<ModelMetadataResponse.TensorMetadata> tensors) {
    return tensors.stream().map(t -> new TensorSpec(t.getName(),
        DataType.fromWire(t.getDatatype()), t.getShapeList())).toList();
  }

  @Override
  public long predictSize(ModelSpec spec, Path artifact) {
    RuntimeParameters p = connection.parameters();
    try {
      long predicted = connection.runtime()
          .withDeadlineAfter(PREDICT_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .predictModelSize(PredictModelSizeRequest.newBuilder().setModelId(spec.modelId())
              .setModelType(spec.type()).setModelPath(artifact.toString())
              .setModelKey(spec.key()).build())
          .getSizeInBytes();
      return predicted > 0 ? predicted : p.defaultModelSizeBytes();
    } catch (StatusRuntimeException e) {
      return p.defaultModelSizeBytes(); // optional in the SPI
    }
  }

  /** Sends unloadModel without waiting: the caller may be an interrupted loader thread. */
  private void unloadAfterFailedLoad(String modelId) {
    ModelRuntimeGrpc.newFutureStub(connection.runtime().getChannel())
        .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .unloadModel(UnloadModelRequest.newBuilder().setModelId(modelId).build());
    log.debug("sent unloadModel for {} after a load that did not complete", modelId);
  }

  /** Unloads a model this node no longer holds; the runtime answers at once for unknown ids. */
  void unload(RemoteLoadedModel model) {
    live.remove(model.modelId(), model);
    if (model.lost() || model.generation() != connection.generation()) {
      return; // the runtime no longer has it; an unload now could hit a newer copy
    }
    try {
      connection.runtime().withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .unloadModel(UnloadModelRequest.newBuilder().setModelId(model.modelId()).build());
    } catch (StatusRuntimeException e) {
      log.warn("unloadModel of {} failed: {}", model.modelId(), e.getStatus());
    }
  }

  /** The runtime answered NOT_FOUND for a model the node holds: evict the stale copy. */
  void lostByRuntime(RemoteLoadedModel model) {
    if (live.remove(model.modelId(), model)) {
      log.warn("runtime no longer has '{}'; evicting the stale copy", model.modelId());
      lossListener.accept(model.modelId());
    }
  }

  private void generationEnded(long generation) {
    for (RemoteLoadedModel model : List.copyOf(live.values())) {
      if (model.generation() == generation) {
        model.markLost();
        if (live.remove(model.modelId(), model)) {
          lossListener.accept(model.modelId());
        }
      }
    }
  }

  RuntimeConnection connection() {
    return connection;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  @Override
  public void close() {
    connection.close();
  }
}
