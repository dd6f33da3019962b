package io.densemesh.grpc;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.inference.ModelReadyResponse;
import io.densemesh.api.inference.RepositoryIndexRequest;
import io.densemesh.api.inference.RepositoryIndexResponse;
import io.densemesh.api.inference.RepositoryModelLoadRequest;
import io.densemesh.api.inference.RepositoryModelLoadResponse;
import io.densemesh.api.inference.RepositoryModelUnloadRequest;
import io.densemesh.api.inference.RepositoryModelUnloadResponse;
import io.densemesh.api.inference.ServerLiveRequest;
import io.densemesh.api.inference.ServerLiveResponse;
import io.densemesh.api.inference.ServerMetadataRequest;
import io.densemesh.api.inference.ServerMetadataResponse;
import io.densemesh.api.inference.ServerReadyRequest;
import io.densemesh.api.inference.ServerReadyResponse;
import io.densemesh.node.NodeState;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.serving.ModelReadiness;
import io.densemesh.serving.ModelRepository;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.Serving;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The KServe V2 gRPC endpoint, for the node and for the runtime server alike: the protocol
 * mapping lives here once; what differs is how a request names its model ({@link Naming}), who
 * serves it ({@link Serving}), what the server says about itself ({@link ServerInfo}) and
 * whether it has a model repository ({@link ModelRepository}; without one the repository calls
 * answer UNIMPLEMENTED).
 */
public final class InferenceGrpcService
    extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  /** Turns a request's model name and version into the model to serve (or throws). */
  @FunctionalInterface
  public interface Naming {
    ModelSpec resolve(String name, String version);

    /** The model with, for a split vmodel, its route and shadows (none by default). */
    default ModelResolver.Routed route(String name, String version) {
      return new ModelResolver.Routed(resolve(name, version), "", java.util.List.of());
    }

    /**
     * {@link #route} when it needs no blocking call (a registry read); null, or an exception,
     * where it might: the caller routes on a thread that may block instead. Null by default.
     */
    default ModelResolver.Routed routeWithoutBlocking(String name, String version) {
      return null;
    }
  }

  /**
   * @param name {@code ServerMetadata} name
   * @param version {@code ServerMetadata} version
   * @param ready {@code ServerReady}
   * @param extensions {@code ServerMetadata} extensions
   */
  public record ServerInfo(String name, String version, BooleanSupplier ready,
      List<String> extensions) {

    public ServerInfo {
      extensions = List.copyOf(extensions);
    }

    /** A server without protocol extensions. */
    public ServerInfo(String name, String version, BooleanSupplier ready) {
      this(name, version, ready, List.of());
    }
  }


  private final Naming naming;
  private final Serving serving;
  private final Predicate<ModelSpec> modelReady;
  private final ServerInfo server;
  private final Optional<ModelRepository> repository;

  /** @param modelReady the {@code ModelReady} answer for a resolved model */
  public InferenceGrpcService(Naming naming, Serving serving, Predicate<ModelSpec> modelReady,
      ServerInfo server) {
    this(naming, serving, modelReady, server, Optional.empty());
  }

  /** @param repository the repository extension's calls, where the server has them */
  public InferenceGrpcService(Naming naming, Serving serving, Predicate<ModelSpec> modelReady,
      ServerInfo server, Optional<ModelRepository> repository) {
    this.naming = naming;
    this.serving = serving;
    this.modelReady = modelReady;
    this.server = server;
    this.repository = repository;
  }

  /**
   * The node's endpoint: models resolved through the registry (vmodel and model headers first),
   * served on this node (routing happens before, in {@link InferenceRouting}), ready in the
   * sense of {@link ModelReadiness} (as on REST), refused while the node shuts down.
   */
  public static InferenceGrpcService forNode(ModelResolver resolver, Serving serving,
      ModelReadiness readiness, NodeState state, ModelRepository repository) {
    Naming naming = new Naming() {
      @Override
      public ModelSpec resolve(String name, String version) {
        return route(name, version).model();
      }

      @Override
      public ModelResolver.Routed route(String name, String version) {
        // Authorised before any routing: a model of another tenant fails exactly like a model
        // that is not registered.
        state.requireServing();
        return resolver.routeFor(Callers.current(), name, MeshHeaders.VMODEL_ID.get(),
            MeshHeaders.MODEL_ID.get(), version, MeshHeaders.SPLIT_KEY.get());
      }

      @Override
      public ModelResolver.Routed routeWithoutBlocking(String name, String version) {
        state.requireServing();
        return resolver.routeForInView(Callers.current(), name, MeshHeaders.VMODEL_ID.get(),
            MeshHeaders.MODEL_ID.get(), version, MeshHeaders.SPLIT_KEY.get());
      }
    };
    return new InferenceGrpcService(naming, serving, readiness::ready,
        new ServerInfo(NodeState.SERVER_NAME, state.version(), state::ready, NodeState.EXTENSIONS),
        Optional.of(repository));
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
    Unary.run(observer, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request,
      StreamObserver<ServerReadyResponse> observer) {
    Unary.run(observer, () -> ServerReadyResponse.newBuilder()
        .setReady(server.ready().getAsBoolean()).build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request,
      StreamObserver<ServerMetadataResponse> observer) {
    Unary.run(observer, () -> ServerMetadataResponse.newBuilder()
        .setName(server.name()).setVersion(server.version())
        .addAllExtensions(server.extensions()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
    Unary.run(observer, () -> {
      ModelSpec model = resolve(request.getName(), request.getVersion());
      return ModelReadyResponse.newBuilder().setReady(modelReady.test(model)).build();
    });
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request,
      StreamObserver<ModelMetadataResponse> observer) {
    Unary.run(observer, () -> metadata(request, resolve(request.getName(),
        request.getVersion())));
  }

  /**
   * Answers a metadata request for an already resolved model: its one version, and as
   * properties the registered model serving the name and its type.
   */
  ModelMetadataResponse metadata(ModelMetadataRequest request, ModelSpec model) {
    String name = request.getName().isEmpty() ? model.modelId() : request.getName();
    return ProtoTensorCodec.metadataResponse(name, ModelResolver.VERSION,
        serving.metadata(model, Unary.remaining())).toBuilder()
        .putProperties("model_id", model.modelId())
        .putProperties("type", model.type())
        .build();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
    Unary.run(observer, () ->
        infer(request, resolve(request.getModelName(), request.getModelVersion())));
  }

  /** Runs a request for an already resolved model. */
  ModelInferResponse infer(ModelInferRequest request, ModelSpec model) {
    List<Tensor> inputs = ProtoTensorCodec.inputs(request);
    List<Tensor> outputs = serving.infer(model, inputs,
        ProtoTensorCodec.requestedOutputs(request), Unary.remaining());
    ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
        .setModelName(request.getModelName().isEmpty() ? model.modelId()
            : request.getModelName())
        // As the spec says: the version used, which is the one the request named (a server
        // without versioning leaves it out; DenseMesh accepts only its one version, "1").
        .setModelVersion(request.getModelVersion())
        .setId(request.getId());
    ProtoTensorCodec.encodeOutputs(request, outputs, response);
    return response.build();
  }

  @Override
  public void repositoryModelLoad(RepositoryModelLoadRequest request,
      StreamObserver<RepositoryModelLoadResponse> observer) {
    if (repository.isEmpty()) {
      super.repositoryModelLoad(request, observer);
      return;
    }
    Unary.run(observer, () -> {
      repository.get().load(Callers.current(), request.getModelName());
      return RepositoryModelLoadResponse.newBuilder().setModelName(request.getModelName())
          .setIsLoaded(true).build();
    });
  }

  @Override
  public void repositoryModelUnload(RepositoryModelUnloadRequest request,
      StreamObserver<RepositoryModelUnloadResponse> observer) {
    if (repository.isEmpty()) {
      super.repositoryModelUnload(request, observer);
      return;
    }
    Unary.run(observer, () -> {
      repository.get().unload(Callers.current(), request.getModelName());
      return RepositoryModelUnloadResponse.newBuilder().setModelName(request.getModelName())
          .setIsUnloaded(true).build();
    });
  }

  @Override
  public void repositoryIndex(RepositoryIndexRequest request,
      StreamObserver<RepositoryIndexResponse> observer) {
    if (repository.isEmpty()) {
      super.repositoryIndex(request, observer);
      return;
    }
    Unary.run(observer, () -> {
      RepositoryIndexResponse.Builder response = RepositoryIndexResponse.newBuilder();
      for (ModelRepository.IndexEntry e : repository.get().index(Callers.current(),
          request.getReady())) {
        response.addModelsBuilder().setName(e.name()).setVersion(e.version())
            .setState(e.state()).setReason(e.reason());
      }
      return response.build();
    });
  }

  /** Resolves what the request names (for the node: and authorises the caller for it). */
  ModelResolver.Routed route(String name, String version) {
    return naming.route(name, version);
  }

  /** {@link Naming#routeWithoutBlocking}. */
  ModelResolver.Routed routeWithoutBlocking(String name, String version) {
    return naming.routeWithoutBlocking(name, version);
  }

  ModelSpec resolve(String name, String version) {
    return naming.resolve(name, version);
  }
}
