package io.densemesh.grpc;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelInferRequest;
import io.densemesh.api.inference.ModelInferResponse;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelMetadataResponse;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.inference.ModelReadyResponse;
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
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.Serving;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** KServe V2 gRPC endpoint. */
public final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  private final ModelResolver resolver;
  private final Serving serving;
  private final NodeState state;

  public InferenceGrpcService(ModelResolver resolver, Serving serving, NodeState state) {
    this.resolver = resolver;
    this.serving = serving;
    this.state = state;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
    Unary.run(observer, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request,
      StreamObserver<ServerReadyResponse> observer) {
    Unary.run(observer, () -> ServerReadyResponse.newBuilder().setReady(state.ready()).build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request,
      StreamObserver<ServerMetadataResponse> observer) {
    Unary.run(observer, () -> ServerMetadataResponse.newBuilder()
        .setName(NodeState.SERVER_NAME).setVersion(state.version()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
    Unary.run(observer, () -> {
      ModelSpec model = resolve(request.getName(), request.getVersion());
      return ModelReadyResponse.newBuilder().setReady(serving.ready(model)).build();
    });
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request,
      StreamObserver<ModelMetadataResponse> observer) {
    Unary.run(observer, () -> metadata(request, resolve(request.getName(),
        request.getVersion())));
  }

  /** Answers a metadata request on this node for an already resolved model. */
  ModelMetadataResponse metadata(ModelMetadataRequest request, ModelSpec model) {
    String name = request.getName().isEmpty() ? model.modelId() : request.getName();
    return ProtoTensorCodec.metadataResponse(name, ModelResolver.VERSION,
        serving.metadata(model, Unary.remaining()));
  }


  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
    Unary.run(observer, () ->
        infer(request, resolve(request.getModelName(), request.getModelVersion())));
  }

  /** Runs a request on this node for an already resolved model. */
  ModelInferResponse infer(ModelInferRequest request, ModelSpec model) {
    List<Tensor> inputs = ProtoTensorCodec.inputs(request);
    List<Tensor> outputs = serving.infer(model, inputs,
        ProtoTensorCodec.requestedOutputs(request), Unary.remaining());
    ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
        .setModelName(request.getModelName().isEmpty() ? model.modelId()
            : request.getModelName())
        .setModelVersion(ModelResolver.VERSION)
        .setId(request.getId());
    ProtoTensorCodec.encodeOutputs(outputs, response);
    return response.build();
  }

  /**
   * Resolves what the request names and authorises the caller for it (before any routing): a
   * model of another tenant fails exactly like a model that is not registered.
   */
  ModelSpec resolve(String name, String version) {
    state.requireServing();
    return resolver.resolveFor(Callers.current(), name, MeshHeaders.VMODEL_ID.get(),
        MeshHeaders.MODEL_ID.get(), version);
  }
}
