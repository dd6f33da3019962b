package io.densemesh.operator.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.testing.TestNode;
import io.densemesh.testing.TestPki;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's calls to a node that serves TLS (as with {@code --node-tls-secret}): they work
 * once the nodes' CA is trusted, and fail without it or with another CA; a real node on
 * 127.0.0.1 with certificates made in the test.
 */
class MeshConnectorTlsIT {

  @TempDir static Path dir;
  static TestNode node;
  static TestPki.Issued server;
  static TestPki.Issued stranger;

  @BeforeAll
  static void start() {
    server = new TestPki("mesh").issue(dir.resolve("server"), "node");
    stranger = new TestPki("other").issue(dir.resolve("stranger"), "node");
    node = new TestNode(dir.resolve("data"), "--tls-cert", server.cert().toString(),
        "--tls-key", server.key().toString());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  MeshConnector connector() {
    // The certificate names localhost and 127.0.0.1, as a node's names its Service.
    return MeshConnector.fixed("localhost:" + node.node.grpcPort(), Duration.ofSeconds(10));
  }

  @Test
  void callsGoOverTlsOnceTheNodesCaIsTrusted() throws Exception {
    try (MeshConnector mesh = connector()) {
      mesh.trust(Optional.of(Files.readAllBytes(server.ca())));
      assertThat(mesh.client().orElseThrow().placementConfig()).isNotNull();
    }
  }

  @Test
  void plaintextOrAnotherCaIsRefused() throws Exception {
    try (MeshConnector plain = connector()) {
      assertThatThrownBy(() -> plain.client().orElseThrow().placementConfig())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    try (MeshConnector other = connector()) {
      other.trust(Optional.of(Files.readAllBytes(stranger.ca())));
      assertThatThrownBy(() -> other.client().orElseThrow().placementConfig())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      // A CA rotated in (the Secret re-read) opens a new channel that works.
      other.trust(Optional.of(Files.readAllBytes(server.ca())));
      assertThat(other.client().orElseThrow().placementConfig()).isNotNull();
    }
  }

  @Test
  void aCaThatIsNotPemIsAClearError() {
    try (MeshConnector mesh = connector()) {
      mesh.trust(Optional.of("not a certificate".getBytes()));
      assertThatThrownBy(() -> mesh.client())
          .hasMessageContaining("the nodes' CA certificate is not usable");
    }
  }
}
