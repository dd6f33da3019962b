package io.densemesh.grpc;

import io.densemesh.api.admin.GetPlacementConfigRequest;
import io.densemesh.api.admin.ListInstancesRequest;
import io.densemesh.api.admin.ListInstancesResponse;
import io.densemesh.api.admin.ListModelsRequest;
import io.densemesh.api.admin.ListModelsResponse;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.ModelPolicy;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.admin.RegisterModelWithPolicyRequest;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.auth.AccessRules;
import io.densemesh.auth.Action;
import io.densemesh.auth.Principal;
import io.densemesh.auth.TenantGuard;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.serving.ModelManagement;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.registry.InstanceRecord;
import io.densemesh.api.registry.ModelRecord;
import io.densemesh.mesh.LivePolicies;
import io.densemesh.registry.MeshView;
import io.densemesh.registry.Registry;
import io.densemesh.runtime.error.InvalidInputException;
import io.grpc.stub.StreamObserver;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * DenseMesh's own management additions ({@code densemesh.v1.MeshAdmin}). Every call needs the
 * admin role except {@code listModels}, which lists only the caller's tenant's models.
 */
public final class MeshAdminGrpcService extends MeshAdminGrpc.MeshAdminImplBase {

  private static final int MAX_PAGE = 1000;
  /** Registry records read per step of a listing, and at most per call (a tenant's listing skips others' models). */
  private static final int SCAN_PAGE = 1000;
  private static final int MAX_SCAN = 100_000;

  private final Registry registry;
  private final LivePolicies policies;
  private final ModelManagement models;
  private final TenantGuard guard;

  public MeshAdminGrpcService(Registry registry, LivePolicies policies, ModelManagement models,
      TenantGuard guard) {
    this.registry = registry;
    this.policies = policies;
    this.models = models;
    this.guard = guard;
  }

  /** Every MeshAdmin call but listModels needs the admin role. */
  private void requireAdmin() {
    guard.requireRole(Callers.current(), Action.ADMIN);
  }

  @Override
  public void registerModel(RegisterModelWithPolicyRequest request,
      StreamObserver<ModelStatusInfo> observer) {
    Unary.run(observer, () -> {
      requireAdmin();
      RegisterModelRequest r = request.getRegistration();
      return models.register(r.getModelId(), r.getModelInfo(), r.getLoadNow(), r.getSync(),
          r.getLastUsedTime(), false, request.getMinCopies(),
          request.getMaxCopies(), request.getTenant());
    });
  }

  @Override
  public void setModelPolicy(SetModelPolicyRequest request,
      StreamObserver<ModelPolicy> observer) {
    Unary.run(observer, () -> {
      requireAdmin();
      ModelRecord next = models.setPolicy(request.getModelId(), request.getMinCopies(),
          request.getMaxCopies(), Optional.of(request.getTenant()));
      return ModelPolicy.newBuilder().setModelId(next.getModelId())
          .setMinCopies(next.getMinCopies()).setMaxCopies(next.getMaxCopies())
          .setTenant(next.getTenant()).build();
    });
  }

  @Override
  public void listModels(ListModelsRequest request,
      StreamObserver<ListModelsResponse> observer) {
    Unary.run(observer, () -> {
      Principal caller = Callers.current();
      guard.requireRole(caller, Action.READ);
      int limit = request.getLimit() <= 0 ? MAX_PAGE : Math.min(request.getLimit(), MAX_PAGE);
      MeshView view = registry.view();
      ListModelsResponse.Builder response = ListModelsResponse.newBuilder();
      String after = request.getAfter();
      int scanned = 0;
      while (response.getModelsCount() < limit && scanned < MAX_SCAN) {
        List<ModelRecord> page = registry.models(after, SCAN_PAGE);
        for (ModelRecord m : page) {
          after = m.getModelId();
          scanned++;
          if (!AccessRules.sees(caller, m.getTenant())) {
            continue;
          }
          if (response.getModelsCount() == limit) {
            // One more visible model exists: the page ends at the last one returned.
            response.setNextAfter(response.getModels(limit - 1).getModelId());
            return response.build();
          }
          response.addModelsBuilder().setModelId(m.getModelId()).setType(m.getType())
              .setPath(m.getPath()).addAllLoadedOn(view.loadedOn(m.getModelId()))
              .setMinCopies(m.getMinCopies()).setMaxCopies(m.getMaxCopies())
              .setTenant(m.getTenant());
        }
        if (page.size() < SCAN_PAGE) {
          return response.build(); // the registry is exhausted
        }
      }
      // A full page, or the scan bound for one call reached: continue after what was scanned.
      response.setNextAfter(response.getModelsCount() == limit
          ? response.getModels(limit - 1).getModelId() : after);
      return response.build();
    });
  }

  @Override
  public void setPlacementConfig(PlacementConfig request,
      StreamObserver<PlacementConfig> observer) {
    Unary.run(observer, () -> {
      requireAdmin();
      try {
        policies.parse(request.getSettingsMap());
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("invalid placement config: " + e.getMessage());
      }
      registry.putConfig(request.getSettingsMap());
      return PlacementConfig.newBuilder().putAllSettings(request.getSettingsMap()).build();
    });
  }

  @Override
  public void getPlacementConfig(GetPlacementConfigRequest request,
      StreamObserver<PlacementConfig> observer) {
    Unary.run(observer, () -> {
      requireAdmin();
      return PlacementConfig.newBuilder().putAllSettings(registry.view().config()).build();
    });
  }

  @Override
  public void listInstances(ListInstancesRequest request,
      StreamObserver<ListInstancesResponse> observer) {
    Unary.run(observer, () -> {
      requireAdmin();
      ListInstancesResponse.Builder response = ListInstancesResponse.newBuilder();
      registry.view().instances().values().stream()
          .sorted(Comparator.comparing(InstanceRecord::getInstanceId))
          .forEach(i -> response.addInstancesBuilder().setInstanceId(i.getInstanceId())
              .setAddress(i.getAddress()).setCapacityBytes(i.getCapacityBytes())
              .setUsedBytes(i.getUsedBytes()).setLoadedModels(i.getLoadedModels())
              .setDraining(i.getDraining()).setZone(i.getZone())
              .addAllLabels(i.getLabelsMap().entrySet().stream()
                  .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList()));
      return response.build();
    });
  }
}
