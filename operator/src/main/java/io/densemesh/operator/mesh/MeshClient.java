package io.densemesh.operator.mesh;

import io.densemesh.api.admin.ListModelsRequest;
import io.densemesh.api.admin.ListModelsResponse;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.admin.GetPlacementConfigRequest;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.admin.GetVModelRoutesRequest;
import io.densemesh.api.admin.SetVModelRoutesRequest;
import io.densemesh.api.admin.VModelRoutes;
import io.densemesh.api.admin.VModelRoutingGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import io.densemesh.api.mmesh.DeleteVModelRequest;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.grpc.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The management calls the operator makes, each with a deadline. Failures surface as grpc-java's
 * {@link io.grpc.StatusRuntimeException}; callers decide what a status code means for their
 * resource (INVALID_ARGUMENT: rejected; UNAVAILABLE: retry later).
 */
public final class MeshClient {

  private final Channel channel;
  private final Duration deadline;

  public MeshClient(Channel channel, Duration deadline) {
    this.channel = channel;
    this.deadline = deadline;
  }

  private ModelMeshGrpc.ModelMeshBlockingStub mesh() {
    return ModelMeshGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private MeshAdminGrpc.MeshAdminBlockingStub admin() {
    return MeshAdminGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** NOT_FOUND status (not an error) when the vmodel does not exist or has another owner. */
  public VModelStatusInfo vmodelStatus(String vmodelId, String owner) {
    return mesh().getVModelStatus(GetVModelStatusRequest.newBuilder().setVModelId(vmodelId)
        .setOwner(owner).build());
  }

  public VModelStatusInfo setVModel(SetVModelRequest request) {
    return mesh().setVModel(request);
  }

  /** A vmodel's traffic split; empty when the vmodel does not exist or has another owner. */
  public Optional<VModelRoutes> vmodelRoutes(String vmodelId, String owner) {
    try {
      return Optional.of(routing().getVModelRoutes(GetVModelRoutesRequest.newBuilder()
          .setVmodelId(vmodelId).setOwner(owner).build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  public VModelRoutes setVModelRoutes(SetVModelRoutesRequest request) {
    return routing().setVModelRoutes(request);
  }

  private VModelRoutingGrpc.VModelRoutingBlockingStub routing() {
    return VModelRoutingGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** No-op when the vmodel does not exist. */
  public void deleteVModel(String vmodelId, String owner) {
    mesh().deleteVModel(DeleteVModelRequest.newBuilder().setVModelId(vmodelId).setOwner(owner)
        .build());
  }

  public Map<String, String> placementConfig() {
    return admin().getPlacementConfig(GetPlacementConfigRequest.getDefaultInstance())
        .getSettingsMap();
  }

  /** Replaces the live placement configuration as a whole; INVALID_ARGUMENT names a bad key. */
  public Map<String, String> setPlacementConfig(Map<String, String> settings) {
    return admin().setPlacementConfig(PlacementConfig.newBuilder().putAllSettings(settings)
        .build()).getSettingsMap();
  }

  public void setModelPolicy(String modelId, int minCopies, int maxCopies, String tenant) {
    admin().setModelPolicy(SetModelPolicyRequest.newBuilder().setModelId(modelId)
        .setMinCopies(minCopies).setMaxCopies(maxCopies).setTenant(tenant).build());
  }

  /** Every registered model, all pages. */
  public List<ListModelsResponse.Entry> listModels() {
    List<ListModelsResponse.Entry> all = new ArrayList<>();
    String after = "";
    do {
      ListModelsResponse page = admin().listModels(ListModelsRequest.newBuilder()
          .setAfter(after).build());
      all.addAll(page.getModelsList());
      after = page.getNextAfter();
    } while (!after.isEmpty());
    return all;
  }
}
