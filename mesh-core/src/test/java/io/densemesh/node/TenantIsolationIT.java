package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.admin.GetPlacementConfigRequest;
import io.densemesh.api.admin.ListInstancesRequest;
import io.densemesh.api.admin.ListModelsRequest;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ModelMetadataRequest;
import io.densemesh.api.inference.ModelReadyRequest;
import io.densemesh.api.inference.ServerLiveRequest;
import io.densemesh.api.inference.ServerReadyRequest;
import io.densemesh.api.mmesh.DeleteVModelRequest;
import io.densemesh.api.mmesh.EnsureLoadedRequest;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.GetVModelStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.SetVModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants on one node with API keys, over real gRPC and REST: each sees only its own models and
 * vmodels, another tenant's answer exactly like missing ones, readers change nothing, MeshAdmin
 * needs the admin role, and calls without credentials are refused with a challenge.
 */
class TenantIsolationIT {

  @TempDir Path dir;
  TestNode node;
  Path model;

  @BeforeEach
  void start() throws Exception {
    Path keys = dir.resolve("api-keys");
    Files.write(keys, List.of(Tokens.apiKeyLine("key-a", "a", "tenant"),
        Tokens.apiKeyLine("key-b", "b", "tenant"), Tokens.apiKeyLine("key-reader-a", "a", "reader"),
        Tokens.apiKeyLine("key-admin", "-", "admin")));
    node = new TestNode(dir.resolve("data"), "--api-keys-file", keys.toString());
    model = Inference.writeModel(dir.resolve("models"), 7);
    mesh("key-a").registerModel(RegisterModelRequest.newBuilder().setModelId("a-model")
        .setModelInfo(info()).build());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  ModelInfo info() {
    return ModelInfo.newBuilder().setType("onnx").setPath(model.toString()).build();
  }

  ModelMeshGrpc.ModelMeshBlockingStub mesh(String key) {
    return Bearer.as(node.mesh, key);
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub inference(String key) {
    return Bearer.as(node.inference, key);
  }

  MeshAdminGrpc.MeshAdminBlockingStub admin(String key) {
    return Bearer.as(MeshAdminGrpc.newBlockingStub(node.channel), key);
  }

  static StatusRuntimeException failure(Executable call) {
    try {
      call.execute();
    } catch (StatusRuntimeException e) {
      return e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    throw new AssertionError("the call succeeded");
  }

  HttpResponse<String> rest(String key, String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.rest(path)).GET();
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return node.send(request.build());
  }

  @Test
  void anotherTenantsModelAnswersExactlyLikeAMissingOne() {
    float[] row = Inference.row(7);
    assertThat(Inference.answeredBy(inference("key-a").modelInfer(
        Inference.request("a-model", row)), 7, row)).isTrue();

    StatusRuntimeException hidden = failure(() -> inference("key-b").modelInfer(
        Inference.request("a-model", row)));
    StatusRuntimeException missing = failure(() -> inference("key-b").modelInfer(
        Inference.request("ghost", row)));
    assertThat(hidden.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(hidden.getStatus().getDescription().replace("a-model", "X"))
        .isEqualTo(missing.getStatus().getDescription().replace("ghost", "X"));
    assertThat(failure(() -> Bearer.with(inference("key-b"), "mm-model-id", "a-model")
        .modelInfer(Inference.request("", row))).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failure(() -> inference("key-b").modelMetadata(ModelMetadataRequest.newBuilder()
        .setName("a-model").build())).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failure(() -> inference("key-b").modelReady(ModelReadyRequest.newBuilder()
        .setName("a-model").build())).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

    assertThat(mesh("key-b").getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("a-model").build()))
        .isEqualTo(mesh("key-b").getModelStatus(GetStatusRequest.newBuilder()
            .setModelId("ghost").build()));
    assertThat(mesh("key-b").ensureLoaded(EnsureLoadedRequest.newBuilder()
        .setModelId("a-model").build()).getStatus()).isEqualTo(ModelStatus.NOT_FOUND);
    mesh("key-b").unregisterModel(UnregisterModelRequest.newBuilder().setModelId("a-model")
        .build()); // answers as for a missing model: nothing happens
    assertThat(mesh("key-a").getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("a-model").build()).getStatus()).isNotEqualTo(ModelStatus.NOT_FOUND);

    assertThat(admin("key-b").listModels(ListModelsRequest.getDefaultInstance())
        .getModelsList()).isEmpty();
    assertThat(admin("key-a").listModels(ListModelsRequest.getDefaultInstance())
        .getModelsList()).extracting(m -> m.getModelId()).containsExactly("a-model");

    HttpResponse<String> hiddenRest = rest("key-b", "/v2/models/a-model");
    HttpResponse<String> missingRest = rest("key-b", "/v2/models/ghost");
    assertThat(hiddenRest.statusCode()).isEqualTo(404);
    assertThat(hiddenRest.body().replace("a-model", "X"))
        .isEqualTo(missingRest.body().replace("ghost", "X"));
    assertThat(rest("key-a", "/v2/models/a-model").statusCode()).isEqualTo(200);
  }

  @Test
  void aTenantCannotTakeOverAnotherTenantsModelId() {
    StatusRuntimeException e = failure(() -> mesh("key-b").registerModel(
        RegisterModelRequest.newBuilder().setModelId("a-model").setModelInfo(info()).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(admin("key-admin").listModels(ListModelsRequest.getDefaultInstance())
        .getModels(0).getTenant()).isEqualTo("a");
  }

  @Test
  void vmodelsBelongToTheirTenantAndAnEmptyOwnerTakesNothingOver() {
    mesh("key-a").setVModel(SetVModelRequest.newBuilder().setVModelId("svc")
        .setTargetModelId("a-model").setOwner("team-a").build());
    assertThat(failure(() -> mesh("key-a").setVModel(SetVModelRequest.newBuilder()
        .setVModelId("svc").setTargetModelId("a-model").build())).getStatus().getCode())
        .as("an empty owner does not match the owner 'team-a'")
        .isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(failure(() -> mesh("key-b").setVModel(SetVModelRequest.newBuilder()
        .setVModelId("b-svc").setTargetModelId("a-model").build())).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(mesh("key-b").getVModelStatus(GetVModelStatusRequest.newBuilder()
        .setVModelId("svc").build()).getStatus()).isEqualTo(VModelStatus.NOT_FOUND);
    mesh("key-b").deleteVModel(DeleteVModelRequest.newBuilder().setVModelId("svc")
        .setOwner("team-a").build());
    assertThat(mesh("key-a").getVModelStatus(GetVModelStatusRequest.newBuilder()
        .setVModelId("svc").build()).getStatus()).isEqualTo(VModelStatus.DEFINED);
    float[] row = Inference.row(7);
    assertThat(failure(() -> Bearer.with(inference("key-b"), "mm-vmodel-id", "svc")
        .modelInfer(Inference.request("", row))).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(Inference.answeredBy(Bearer.with(inference("key-a"), "mm-vmodel-id", "svc")
        .modelInfer(Inference.request("", row)), 7, row)).isTrue();
  }

  @Test
  void aReaderInfersAndReadsButChangesNothing() {
    float[] row = Inference.row(7);
    assertThat(Inference.answeredBy(inference("key-reader-a").modelInfer(
        Inference.request("a-model", row)), 7, row)).isTrue();
    assertThat(mesh("key-reader-a").getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("a-model").build()).getStatus()).isNotEqualTo(ModelStatus.NOT_FOUND);
    assertThat(failure(() -> mesh("key-reader-a").unregisterModel(UnregisterModelRequest
        .newBuilder().setModelId("a-model").build())).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(failure(() -> mesh("key-reader-a").registerModel(RegisterModelRequest
        .newBuilder().setModelId("r-model").setModelInfo(info()).build())).getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void meshAdminNeedsTheAdminRole() {
    for (String key : new String[] {"key-a", "key-reader-a"}) {
      StatusRuntimeException e = failure(() -> admin(key).setPlacementConfig(
          PlacementConfig.newBuilder().putSettings("eviction", "lru").build()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(e.getStatus().getDescription()).contains("admin role");
      assertThat(failure(() -> admin(key).setModelPolicy(SetModelPolicyRequest.newBuilder()
          .setModelId("a-model").setTenant("b").build())).getStatus().getCode())
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(failure(() -> admin(key).getPlacementConfig(
          GetPlacementConfigRequest.getDefaultInstance())).getStatus().getCode())
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(failure(() -> admin(key).listInstances(ListInstancesRequest
          .getDefaultInstance())).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    admin("key-admin").setPlacementConfig(PlacementConfig.newBuilder()
        .putSettings("eviction", "lru").build());
    assertThat(admin("key-admin").listInstances(ListInstancesRequest.getDefaultInstance())
        .getInstancesCount()).isEqualTo(1);
    assertThat(admin("key-admin").listModels(ListModelsRequest.getDefaultInstance())
        .getModelsCount()).isEqualTo(1);
  }

  @Test
  void noOrBadCredentialsAreRefusedWithAChallengeButProbesNeedNone() {
    StatusRuntimeException none = failure(() -> node.inference.modelInfer(
        Inference.request("a-model", Inference.row(7))));
    assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(none.getTrailers().get(Metadata.Key.of("www-authenticate",
        Metadata.ASCII_STRING_MARSHALLER))).startsWith("Bearer");
    assertThat(failure(() -> mesh("wrong-key").getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("a-model").build())).getStatus().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);

    HttpResponse<String> rest = rest(null, "/v2/models/a-model");
    assertThat(rest.statusCode()).isEqualTo(401);
    assertThat(rest.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).startsWith("Bearer"));
    assertThat(rest("wrong-key", "/v2").statusCode()).isEqualTo(401);

    assertThat(node.inference.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
        .isTrue();
    assertThat(node.inference.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
        .isTrue();
    assertThat(rest(null, "/v2/health/ready").statusCode()).isEqualTo(200);
  }

  HttpResponse<String> restPost(String key, String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.rest(path))
        .POST(HttpRequest.BodyPublishers.noBody());
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return node.send(request.build());
  }

  @Test
  void theRestRepositoryEndpointsAuthoriseAsEveryManagementCall() {
    HttpResponse<String> hidden = restPost("key-b", "/v2/repository/models/a-model/load");
    HttpResponse<String> missing = restPost("key-b", "/v2/repository/models/ghost/load");
    assertThat(hidden.statusCode()).isEqualTo(404);
    assertThat(hidden.body()).isEqualTo(missing.body().replace("ghost", "a-model"));
    assertThat(restPost("key-reader-a", "/v2/repository/models/a-model/unload").statusCode())
        .isEqualTo(403);
    assertThat(restPost(null, "/v2/repository/index").statusCode()).isEqualTo(401);
    assertThat(restPost("key-b", "/v2/repository/index").body()).isEqualTo("[]");
    assertThat(restPost("key-reader-a", "/v2/repository/index").body()).contains("\"a-model\"");
    assertThat(restPost("key-a", "/v2/repository/models/a-model/load").statusCode())
        .isEqualTo(200);
  }
}
