package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.testing.Bearer;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.Tokens;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWTs over real gRPC and REST: a token signed by the configured key set, for the configured
 * issuer and audience, and not expired, is accepted; anything else is UNAUTHENTICATED / 401; a
 * rotated key set is picked up from the file without a restart.
 */
class AuthenticationIT {

  @TempDir Path dir;
  final Tokens tokens = new Tokens("key-1");
  Path jwks;
  TestNode node;

  @BeforeEach
  void start() {
    jwks = tokens.writeJwks(dir.resolve("jwks.json"));
    node = new TestNode(dir.resolve("data"), tokens.nodeFlags(jwks));
    Path model = Inference.writeModel(dir.resolve("models"), 3);
    Bearer.as(node.mesh, token("a")).registerModel(RegisterModelRequest.newBuilder()
        .setModelId("m").setModelInfo(ModelInfo.newBuilder().setType("onnx")
            .setPath(model.toString())).build());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  String token(String tenant) {
    return tokens.jwt(tenant, "tenant", Instant.now());
  }

  Status.Code statusWith(String token) {
    try {
      Bearer.as(node.mesh, token).getModelStatus(GetStatusRequest.newBuilder().setModelId("m")
          .build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  String describe(String token) {
    try {
      Bearer.as(node.mesh, token).getModelStatus(GetStatusRequest.newBuilder().setModelId("m")
          .build());
      return "ok";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getDescription();
    }
  }

  @Test
  void aValidTokenServesItsTenant() {
    assertThat(statusWith(token("a"))).isEqualTo(Status.Code.OK);
    assertThat(Bearer.as(node.mesh, token("a")).getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("m").build()).getStatus()).isNotEqualTo(ModelStatus.NOT_FOUND);
    assertThat(Bearer.as(node.mesh, token("b")).getModelStatus(GetStatusRequest.newBuilder()
        .setModelId("m").build()).getStatus()).isEqualTo(ModelStatus.NOT_FOUND);
  }

  @Test
  void anExpiredTokenIsRefused() {
    Instant hourAgo = Instant.now().minus(Duration.ofHours(2));
    String expired = tokens.jwt(tokens.claims("a", "tenant", hourAgo).build());
    assertThat(statusWith(expired)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(describe(expired)).contains("expired");
    assertThat(node.send(HttpRequest.newBuilder(node.rest("/v2/models/m"))
        .header("Authorization", "Bearer " + expired).GET().build()).statusCode())
        .isEqualTo(401);
  }

  @Test
  void aTokenForAnotherAudienceOrIssuerIsRefused() {
    String otherAudience = tokens.jwt(tokens.claims("a", "tenant", Instant.now())
        .audience("another-service").build());
    assertThat(statusWith(otherAudience)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(describe(otherAudience)).contains("wrong audience");
    String otherIssuer = tokens.jwt(tokens.claims("a", "tenant", Instant.now())
        .issuer("https://elsewhere.test").build());
    assertThat(describe(otherIssuer)).contains("wrong issuer");
    String noExpiry = tokens.jwt(tokens.claims("a", "tenant", Instant.now())
        .expirationTime((Date) null).build());
    assertThat(describe(noExpiry)).contains("no expiry");
  }

  @Test
  void aRotatedKeySetIsReadWithoutARestart() {
    String old = token("a");
    assertThat(statusWith(old)).isEqualTo(Status.Code.OK);
    Tokens next = new Tokens("key-2");
    next.writeJwks(jwks);
    String fresh = next.jwt("a", "tenant", Instant.now());
    await().atMost(Duration.ofSeconds(15)).until(() -> statusWith(fresh) == Status.Code.OK);
    assertThat(statusWith(old)).as("signed by the retired key")
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }
}
