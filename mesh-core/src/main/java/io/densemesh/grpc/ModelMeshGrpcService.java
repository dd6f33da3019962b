package io.densemesh.grpc;

import io.densemesh.api.mmesh.DeleteVModelRequest;
import io.densemesh.api.mmesh.DeleteVModelResponse;
import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.api.mmesh.UnregisterModelResponse;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.VModelManagement;
import io.grpc.stub.StreamObserver;

/** ModelMesh management endpoint ({@code mmesh.ModelMesh}). */
public final class ModelMeshGrpcService extends ModelMeshGrpc.ModelMeshImplBase {

  private final ModelManagement models;
  private final VModelManagement vmodels;

  public ModelMeshGrpcService(ModelManagement models, VModelManagement vmodels) {
    this.models = models;
    this.vmodels = vmodels;
  }

  @Override
  public void registerModel(RegisterModelRequest request,
      StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> models.register(request.getModelId(), request.getModelInfo(),
        request.getLoadNow(), request.getSync(), request.getLastUsedTime(), false));
  }

  @Override
  public void unregisterModel(UnregisterModelRequest request,
      StreamObserver<UnregisterModelResponse> observer) {
    Unary.run(observer, () -> {
      models.unregister(request.getModelId());
      return UnregisterModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void getModelStatus(GetStatusRequest request, StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> models.status(request.getModelId()));
  }

  @Override
  public void ensureLoaded(EnsureLoadedRequest request, StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> models.ensureLoaded(request.getModelId(), request.getSync()));
  }

  @Override
  public void setVModel(SetVModelRequest request, StreamObserver<VModelStatusInfo> observer) {
    Unary.run(observer, () -> vmodels.set(request, Unary.remaining()));
  }

  @Override
  public void deleteVModel(DeleteVModelRequest request,
      StreamObserver<DeleteVModelResponse> observer) {
    Unary.run(observer, () -> {
      vmodels.delete(request.getVModelId(), request.getOwner());
      return DeleteVModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void getVModelStatus(GetVModelStatusRequest request,
      StreamObserver<VModelStatusInfo> observer) {
    Unary.run(observer, () -> vmodels.status(request.getVModelId(), request.getOwner()));
  }
}
