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
import io.densemesh.auth.Action;
import io.densemesh.auth.Principal;
import io.densemesh.auth.TenantGuard;
import io.densemesh.auth.TenantRates;
import io.densemesh.serving.ModelManagement;
import io.densemesh.serving.TenantScope;
import io.densemesh.serving.VModelManagement;
import io.grpc.stub.StreamObserver;

/**
 * ModelMesh management endpoint ({@code mmesh.ModelMesh}). Every call is authorised against the
 * model's or vmodel's tenant first; another tenant's model or vmodel gets exactly the answer a
 * missing one gets (NOT_FOUND status, or the no-op that unregistering a missing model is).
 */
public final class ModelMeshGrpcService extends ModelMeshGrpc.ModelMeshImplBase {

  private final ModelManagement models;
  private final VModelManagement vmodels;
  private final TenantGuard guard;
  private final TenantRates limits;

  public ModelMeshGrpcService(ModelManagement models, VModelManagement vmodels,
      TenantGuard guard, TenantRates limits) {
    this.models = models;
    this.vmodels = vmodels;
    this.guard = guard;
    this.limits = limits;
  }

  private TenantScope scope(Principal caller) {
    return Callers.scope(caller, limits.limits().of(caller.tenant()).maxModels());
  }

  private Principal caller(Action action) {
    Principal caller = Callers.current();
    guard.requireRole(caller, action);
    return caller;
  }

  @Override
  public void registerModel(RegisterModelRequest request,
      StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> models.register(request.getModelId(), request.getModelInfo(),
        request.getLoadNow(), request.getSync(), request.getLastUsedTime(), false,
        scope(caller(Action.MANAGE))));
  }

  @Override
  public void unregisterModel(UnregisterModelRequest request,
      StreamObserver<UnregisterModelResponse> observer) {
    Unary.run(observer, () -> {
      Principal caller = caller(Action.MANAGE);
      ModelManagement.requireId("modelId", request.getModelId());
      if (guard.model(caller, request.getModelId())) {
        models.unregister(request.getModelId());
      }
      return UnregisterModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void getModelStatus(GetStatusRequest request, StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> {
      Principal caller = caller(Action.READ);
      ModelManagement.requireId("modelId", request.getModelId());
      return guard.model(caller, request.getModelId()) ? models.status(request.getModelId())
          : ModelManagement.notFound();
    });
  }

  @Override
  public void ensureLoaded(EnsureLoadedRequest request, StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> {
      Principal caller = caller(Action.MANAGE);
      ModelManagement.requireId("modelId", request.getModelId());
      return guard.model(caller, request.getModelId())
          ? models.ensureLoaded(request.getModelId(), request.getSync())
          : ModelManagement.notFound();
    });
  }

  @Override
  public void setVModel(SetVModelRequest request, StreamObserver<VModelStatusInfo> observer) {
    Unary.run(observer, () -> vmodels.set(request, scope(caller(Action.MANAGE)),
        Unary.remaining()));
  }

  @Override
  public void deleteVModel(DeleteVModelRequest request,
      StreamObserver<DeleteVModelResponse> observer) {
    Unary.run(observer, () -> {
      vmodels.delete(request.getVModelId(), request.getOwner(), scope(caller(Action.MANAGE)));
      return DeleteVModelResponse.getDefaultInstance();
    });
  }

  @Override
  public void getVModelStatus(GetVModelStatusRequest request,
      StreamObserver<VModelStatusInfo> observer) {
    Unary.run(observer, () -> vmodels.status(request.getVModelId(), request.getOwner(),
        scope(caller(Action.READ))));
  }
}
