package io.densemesh.grpc;

import io.densemesh.api.admin.GetVModelRoutesRequest;
import io.densemesh.api.admin.SetVModelRoutesRequest;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.api.admin.VModelRoutingGrpc;
import io.densemesh.auth.Action;
import io.densemesh.auth.Principal;
import io.densemesh.auth.TenantGuard;
import io.densemesh.auth.TenantRates;
import io.densemesh.serving.TenantScope;
import io.densemesh.serving.VModelSplits;
import io.grpc.stub.StreamObserver;

/**
 * {@code densemesh.v1.VModelRouting}: vmodel traffic splits, with the roles of
 * {@code mmesh.ModelMesh}'s vmodel calls (MANAGE to set, READ to get) and the same tenant rules:
 * another tenant's vmodel answers as a missing one (get) or an owner conflict (set).
 */
public final class VModelRoutingGrpcService extends VModelRoutingGrpc.VModelRoutingImplBase {

  private final VModelSplits splits;
  private final TenantGuard guard;
  private final TenantRates limits;

  public VModelRoutingGrpcService(VModelSplits splits, TenantGuard guard, TenantRates limits) {
    this.splits = splits;
    this.guard = guard;
    this.limits = limits;
  }

  private TenantScope scope(Action action) {
    Principal caller = Callers.current();
    guard.requireRole(caller, action);
    return Callers.scope(caller, limits.limits().of(caller.tenant()).maxModels());
  }

  @Override
  public void setVModelRoutes(SetVModelRoutesRequest request,
      StreamObserver<VModelRoutes> observer) {
    Unary.run(observer, () -> splits.set(request, scope(Action.MANAGE)));
  }

  @Override
  public void getVModelRoutes(GetVModelRoutesRequest request,
      StreamObserver<VModelRoutes> observer) {
    Unary.run(observer, () -> splits.get(request, scope(Action.READ)));
  }
}
