package io.densemesh.operator.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.admin.ListModelsRequest;
import io.densemesh.api.admin.ListModelsResponse;
import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.ModelPolicy;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.admin.SetModelPolicyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MeshAdmin client side against an in-process fake that keeps what it is sent. */
class MeshClientTest {

  /** Pages of two; rejects a settings map with an unknown key, as the proto says. */
  static final class FakeAdmin extends MeshAdminGrpc.MeshAdminImplBase {
    final List<String> models = List.of("a", "b", "c", "d", "e");
    final List<SetModelPolicyRequest> policies = new ArrayList<>();
    Map<String, String> settings = Map.of();

    @Override
    public void listModels(ListModelsRequest req, StreamObserver<ListModelsResponse> out) {
      ListModelsResponse.Builder page = ListModelsResponse.newBuilder();
      List<String> after = models.stream().filter(m -> m.compareTo(req.getAfter()) > 0).toList();
      after.stream().limit(2).forEach(m -> page.addModelsBuilder().setModelId(m));
      if (after.size() > 2) {
        page.setNextAfter(after.get(1));
      }
      out.onNext(page.build());
      out.onCompleted();
    }

    @Override
    public void setPlacementConfig(PlacementConfig req, StreamObserver<PlacementConfig> out) {
      if (req.getSettingsMap().containsKey("bogus")) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("unknown key 'bogus'")
            .asRuntimeException());
        return;
      }
      settings = req.getSettingsMap();
      out.onNext(req);
      out.onCompleted();
    }

    @Override
    public void getPlacementConfig(io.densemesh.api.admin.GetPlacementConfigRequest req,
        StreamObserver<PlacementConfig> out) {
      out.onNext(PlacementConfig.newBuilder().putAllSettings(settings).build());
      out.onCompleted();
    }

    @Override
    public void setModelPolicy(SetModelPolicyRequest req, StreamObserver<ModelPolicy> out) {
      policies.add(req);
      out.onNext(ModelPolicy.newBuilder().setModelId(req.getModelId()).build());
      out.onCompleted();
    }
  }

  FakeAdmin admin;
  Server server;
  ManagedChannel channel;
  MeshClient client;

  @BeforeEach
  void start() throws Exception {
    admin = new FakeAdmin();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(admin).build()
        .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    client = new MeshClient(channel, Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void listsEveryPage() {
    assertThat(client.listModels()).extracting(ListModelsResponse.Entry::getModelId)
        .containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void pushesSettingsAndPolicies() {
    client.setPlacementConfig(Map.of("eviction", "lru", "loadingConcurrency", "4"));
    assertThat(client.placementConfig()).isEqualTo(Map.of("eviction", "lru",
        "loadingConcurrency", "4"));
    client.setModelPolicy("a", 1, 3, "acme");
    assertThat(admin.policies).singleElement().satisfies(p -> {
      assertThat(p.getModelId()).isEqualTo("a");
      assertThat(p.getMinCopies()).isEqualTo(1);
      assertThat(p.getMaxCopies()).isEqualTo(3);
      assertThat(p.getTenant()).isEqualTo("acme");
    });
  }

  @Test
  void meshRejectionSurfacesAsInvalidArgument() {
    assertThatThrownBy(() -> client.setPlacementConfig(Map.of("bogus", "1")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("bogus");
        });
  }
}
