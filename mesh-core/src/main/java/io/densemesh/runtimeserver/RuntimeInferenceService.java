package io.densemesh.runtimeserver;

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
import io.densemesh.grpc.MeshHeaders;
import io.densemesh.grpc.Unary;
import io.densemesh.protocol.ProtoTensorCodec;
import io.densemesh.runtime.InputValidator;
import io.densemesh.runtime.LoadedModel;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.error.InvalidInputException;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * The runtime's KServe V2 data endpoint. The model is the {@code mm-model-id} header when sent,
 * else {@code model_name}; only loaded models answer, anything else is NOT_FOUND (which tells a
 * node its copy is stale). Nothing loads on demand here: loading is the node's decision.
 */
final class RuntimeInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  private final HostedModels models;
  private final InputValidator validator;
  private final String version;

  RuntimeInferenceService(HostedModels models, InputValidator validator, String version) {
    this.models = models;
    this.validator = validator;
    this.version = version;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
    Unary.run(observer, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request,
      StreamObserver<ServerReadyResponse> observer) {
    Unary.run(observer, () -> ServerReadyResponse.newBuilder().setReady(true).build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request,
      StreamObserver<ServerMetadataResponse> observer) {
    Unary.run(observer, () -> ServerMetadataResponse.newBuilder()
        .setName("densemesh-runtime").setVersion(version).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
    Unary.run(observer, () -> ModelReadyResponse.newBuilder()
        .setReady(models.find(id(request.getName())).isPresent()).build());
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request,
      StreamObserver<ModelMetadataResponse> observer) {
    Unary.run(observer, () -> {
      String id = id(request.getName());
      return ProtoTensorCodec.metadataResponse(id, "1", models.get(id).metadata());
    });
  }


  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
    Unary.run(observer, () -> {
      String id = id(request.getModelName());
      LoadedModel model = models.get(id);
      List<Tensor> inputs = ProtoTensorCodec.inputs(request);
      var outputs = ProtoTensorCodec.requestedOutputs(request);
      validator.validate(model.metadata(), inputs, outputs);
      ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
          .setModelName(id).setModelVersion("1").setId(request.getId());
      ProtoTensorCodec.encodeOutputs(model.infer(inputs, outputs), response);
      return response.build();
    });
  }

  private static String id(String name) {
    String header = MeshHeaders.modelId();
    String id = header != null ? header : name;
    if (id == null || id.isEmpty()) {
      throw new InvalidInputException("no model named: send mm-model-id or model_name");
    }
    return id;
  }
}
