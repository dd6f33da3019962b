package io.densemesh.runtimeserver;

import io.densemesh.api.mmesh.LoadModelRequest;
import io.densemesh.api.mmesh.LoadModelResponse;
import io.densemesh.api.mmesh.ModelRuntimeGrpc;
import io.densemesh.api.mmesh.ModelSizeRequest;
import io.densemesh.api.mmesh.ModelSizeResponse;
import io.densemesh.api.mmesh.PredictModelSizeRequest;
import io.densemesh.api.mmesh.PredictModelSizeResponse;
import io.densemesh.api.mmesh.RuntimeStatusRequest;
import io.densemesh.api.mmesh.RuntimeStatusResponse;
import io.densemesh.api.mmesh.UnloadModelRequest;
import io.densemesh.api.mmesh.UnloadModelResponse;
import io.densemesh.cache.RuntimeRegistry;
import io.densemesh.grpc.Unary;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.ModelRuntime;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.error.CapacityExhaustedException;
import io.densemesh.runtime.error.InvalidInputException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

/**
 * {@code mmesh.ModelRuntime} over {@link HostedModels}. {@code runtimeStatus} purges every model
 * before answering READY (a node asks after it suspects a restart, and then holds none of them);
 * loads beyond {@code --loading-slots} are refused RESOURCE_EXHAUSTED rather than queued, so a
 * node that respects maxLoadingConcurrency never sees that.
 */
final class ModelRuntimeService extends ModelRuntimeGrpc.ModelRuntimeImplBase {

  static final String INFER = "inference.GRPCInferenceService/ModelInfer";
  static final String METADATA = "inference.GRPCInferenceService/ModelMetadata";

  private final RuntimeServerOptions options;
  private final RuntimeRegistry runtimes;
  private final HostedModels models;
  private final Semaphore loadingSlots;
  private final String version;

  ModelRuntimeService(RuntimeServerOptions options, RuntimeRegistry runtimes,
      HostedModels models, String version) {
    this.options = options;
    this.runtimes = runtimes;
    this.models = models;
    this.loadingSlots = new Semaphore(options.loadingSlots());
    this.version = version;
  }

  @Override
  public void runtimeStatus(RuntimeStatusRequest request,
      StreamObserver<RuntimeStatusResponse> observer) {
    Unary.run(observer, () -> {
      models.purge();
      RuntimeStatusResponse.MethodInfo modelName =
          RuntimeStatusResponse.MethodInfo.newBuilder().addIdInjectionPath(1).build();
      return RuntimeStatusResponse.newBuilder()
          .setStatus(RuntimeStatusResponse.Status.READY)
          .setCapacityInBytes(options.capacityBytes())
          .setMaxLoadingConcurrency(options.loadingSlots())
          .setModelLoadingTimeoutMs(Math.toIntExact(options.loadTimeout().toMillis()))
          .setDefaultModelSizeInBytes(options.defaultModelSizeBytes())
          .setRuntimeVersion(version)
          // ModelInfer's model_name (1) and ModelMetadata's name (1) carry the model id.
          .putMethodInfos(INFER, modelName)
          .putMethodInfos(METADATA, modelName)
          .build();
    });
  }

  @Override
  public void loadModel(LoadModelRequest request, StreamObserver<LoadModelResponse> observer) {
    Unary.run(observer, () -> {
      ModelSpec spec = spec(request.getModelId(), request.getModelType(),
          request.getModelPath(), request.getModelKey());
      if (!loadingSlots.tryAcquire()) {
        throw new CapacityExhaustedException(
            "all " + options.loadingSlots() + " loading slots of this runtime are busy");
      }
      try {
        LoadedModel model = models.load(spec);
        return LoadModelResponse.newBuilder().setSizeInBytes(model.sizeBytes()).build();
      } finally {
        loadingSlots.release();
      }
    });
  }

  @Override
  public void unloadModel(UnloadModelRequest request,
      StreamObserver<UnloadModelResponse> observer) {
    Unary.run(observer, () -> {
      models.unload(request.getModelId());
      return UnloadModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void predictModelSize(PredictModelSizeRequest request,
      StreamObserver<PredictModelSizeResponse> observer) {
    Unary.run(observer, () -> {
      ModelSpec spec = spec(request.getModelId(), request.getModelType(),
          request.getModelPath(), request.getModelKey());
      ModelRuntime runtime = runtimes.forType(spec.type());
      return PredictModelSizeResponse.newBuilder()
          .setSizeInBytes(runtime.predictSize(spec, Path.of(spec.path()))).build();
    });
  }

  @Override
  public void modelSize(ModelSizeRequest request, StreamObserver<ModelSizeResponse> observer) {
    Unary.run(observer, () -> ModelSizeResponse.newBuilder()
        .setSizeInBytes(models.get(request.getModelId()).sizeBytes()).build());
  }

  private ModelSpec spec(String id, String type, String path, String key) {
    if (id.isBlank()) {
      throw new InvalidInputException("modelId is empty");
    }
    if (type.isBlank()) {
      throw new InvalidInputException("modelType of '" + id + "' is empty; this runtime loads "
          + runtimes.all().stream().flatMap(r -> r.status().modelTypes().stream())
              .sorted().collect(Collectors.joining(", ")));
    }
    if (path.isBlank()) {
      throw new InvalidInputException("modelPath of '" + id + "' is empty");
    }
    return new ModelSpec(id, type, path, key);
  }
}
