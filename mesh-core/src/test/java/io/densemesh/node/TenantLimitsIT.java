package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.admin.MeshAdminGrpc;
import io.densemesh.api.admin.PlacementConfig;
import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-tenant limits set live through MeshAdmin: models registered and request rate, answered
 * RESOURCE_EXHAUSTED / 429 with a message and a retry hint; other tenants are unaffected.
 */
class TenantLimitsIT {

  @TempDir Path dir;
  TestNode node;
  Path model;

  @BeforeEach
  void start() throws Exception {
    Path keys = dir.resolve("api-keys");
    Files.write(keys, List.of(Tokens.apiKeyLine("key-a", "a", "tenant"),
        Tokens.apiKeyLine("key-b", "b", "tenant"), Tokens.apiKeyLine("key-admin", "-", "admin")));
    node = new TestNode(dir.resolve("data"), "--api-keys-file", keys.toString());
    model = Inference.writeModel(dir.resolve("models"), 5);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  void settings(String... keyValues) {
    PlacementConfig.Builder config = PlacementConfig.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      config.putSettings(keyValues[i], keyValues[i + 1]);
    }
    Bearer.as(MeshAdminGrpc.newBlockingStub(node.channel), "key-admin")
        .setPlacementConfig(config.build());
  }

  Status.Code register(String key, String id) {
    try {
      Bearer.as(node.mesh, key).registerModel(RegisterModelRequest.newBuilder().setModelId(id)
          .setModelInfo(ModelInfo.newBuilder().setType("onnx").setPath(model.toString()))
          .build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aTenantAtItsModelLimitCannotRegisterMore() {
    settings("tenant.a.maxModels", "2");
    await().atMost(Duration.ofSeconds(10)).until(() -> register("key-a", "a1") == Status.Code.OK);
    assertThat(register("key-a", "a2")).isEqualTo(Status.Code.OK);
    assertThat(register("key-a", "a2")).as("re-registering is not a new model")
        .isEqualTo(Status.Code.OK);
    try {
      Bearer.as(node.mesh, "key-a").registerModel(RegisterModelRequest.newBuilder()
          .setModelId("a3").setModelInfo(ModelInfo.newBuilder().setType("onnx")
              .setPath(model.toString())).build());
      throw new AssertionError("a third model was registered");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(e.getStatus().getDescription()).contains("tenant 'a' has 2 models registered");
    }
    assertThat(register("key-b", "b1")).as("another tenant").isEqualTo(Status.Code.OK);
  }

  @Test
  void aTenantOverItsRequestRateIsToldWhenToRetry() {
    // One request per 1000 s and a bucket of one: the second request at once must wait.
    settings("tenant.b.requestsPerSecond", "0.001");
    var stub = Bearer.as(node.mesh, "key-b");
    StatusRuntimeException refused = await().atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        stub.getModelStatus(GetStatusRequest.newBuilder().setModelId("x").build());
        return null;
      } catch (StatusRuntimeException e) {
        return e;
      }
    }, e -> e != null);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription())
        .contains("tenant 'b' is over its request rate").contains("retry in");
    String retry = refused.getTrailers().get(Metadata.Key.of("retry-after-ms",
        Metadata.ASCII_STRING_MARSHALLER));
    assertThat(Long.parseLong(retry)).isGreaterThan(1000);

    HttpResponse<String> rest = node.send(HttpRequest.newBuilder(node.rest("/v2/models/x"))
        .header("Authorization", "Bearer key-b").GET().build());
    assertThat(rest.statusCode()).isEqualTo(429);
    assertThat(rest.headers().firstValue("Retry-After")).hasValueSatisfying(
        v -> assertThat(Long.parseLong(v)).isGreaterThan(1));
    assertThat(rest.body()).contains("over its request rate");

    assertThat(register("key-a", "a1")).as("tenant a has no rate").isEqualTo(Status.Code.OK);
  }
}
