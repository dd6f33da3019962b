package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.densemesh.config.ConfigException;
import io.densemesh.config.NodeOptions;
import io.densemesh.config.MeshConfig;
import io.densemesh.config.NodeConfig;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.runtime.onnx.gen.SampleModels;
import io.densemesh.testing.EtcdProcess;
import io.densemesh.testing.Inference;
import io.densemesh.testing.TestNode;
import io.densemesh.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real etcd serving clients over TLS only, requiring client certificates
 * ({@code --client-cert-auth}), with JWT auth tokens and a user limited to the mesh's prefix:
 * the registry and a whole node work against it from flags, {@code DM_*} variables, a mounted
 * Secret and ModelMesh's {@code etcd_connection} JSON; a wrong CA, a missing password and a
 * missing CA fail at start with a message that says so.
 */
class EtcdTlsAuthIT {

  static final String USER = "densemesh";
  static final String PASSWORD = "s3cret-pw";
  static final String PREFIX = "/densemesh/";

  @TempDir static Path dir;
  static EtcdProcess etcd;
  static TestPki.Issued client;

  @BeforeAll
  static void startSecureEtcd() {
    TestPki pki = new TestPki("etcd");
    TestPki.Issued server = pki.issue(dir.resolve("server"), "etcd-server");
    client = pki.issue(dir.resolve("client"), "densemesh-node");
    etcd = EtcdProcess.secure(dir.resolve("etcd"), server);
    etcd.enableAuth(pki.issue(dir.resolve("admin"), "etcd-admin"), USER, PASSWORD, PREFIX);
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  static List<String> flags(String... more) {
    List<String> flags = new ArrayList<>(List.of("--etcd", etcd.endpoint(), "--etcd-prefix",
        PREFIX + "t" + System.nanoTime() + "/", "--etcd-timeout", "15s"));
    flags.addAll(List.of(more));
    return flags;
  }

  static EtcdSettings settings(MeshConfig mesh) {
    return new EtcdSettings(mesh.etcdEndpoints(), mesh.etcdPrefix(), Duration.ofSeconds(5),
        mesh.etcdTimeout(), 32L << 20, mesh.etcdAccess());
  }

  static MeshConfig mesh(List<String> flags, Map<String, String> env) {
    return NodeOptions.parse(flags, env).mesh();
  }

  @Test
  void registryWritesAndReadsOverTlsWithAUserFromFlagsAndEnvironment() {
    MeshConfig mesh = mesh(flags("--etcd-ca", client.ca().toString(), "--etcd-cert",
        client.cert().toString(), "--etcd-key", client.key().toString(), "--etcd-user", USER),
        Map.of("DM_ETCD_PASSWORD", PASSWORD));
    try (EtcdRegistry registry = EtcdRegistry.connect(settings(mesh))) {
      registry.putModel(RegistryContract.model("tls-model", "/m"), 0).orElseThrow();
      assertThat(registry.model("tls-model")).isPresent();
    }
  }

  @Test
  void aWholeNodeServesAModelWithItsRegistryOnSecureEtcd() throws Exception {
    Path model = Inference.writeModel(dir.resolve("models"), 7);
    List<String> flags = flags();
    Path passwordFile = Files.writeString(dir.resolve("password"), PASSWORD + "\n");
    flags.addAll(List.of("--etcd-ca", client.ca().toString(), "--etcd-cert",
        client.cert().toString(), "--etcd-key", client.key().toString(), "--etcd-user", USER,
        "--etcd-password-file", passwordFile.toString()));
    try (TestNode node = new TestNode(dir.resolve("node"), flags.toArray(String[]::new))) {
      node.register("m", model);
      float[] row = {1, 2, 3, 4};
      assertThat(Inference.logits(node.inference.modelInfer(Inference.request("m", row))))
          .containsExactly(SampleModels.expectedLogits(7, 4, 3, row), within(1e-4f));
    }
  }

  @Test
  void modelMeshEtcdConnectionJsonInAMountedSecretConnects() throws Exception {
    Path secret = Files.createDirectories(dir.resolve("secret-json"));
    String ca = Files.readString(client.ca()).replace("\n", "\\n");
    Files.writeString(secret.resolve("etcd_connection"), "{\"endpoints\": \"" + etcd.endpoint()
        + "\", \"root_prefix\": \"densemesh/mm\", \"userid\": \"" + USER + "\", \"password\": \""
        + PASSWORD + "\", \"certificate\": \"" + ca + "\", \"client_certificate_file\": \""
        + client.cert() + "\", \"client_key_file\": \"" + client.key() + "\"}");
    NodeConfig config = NodeOptions.parse(List.of(),
        Map.of("DM_ETCD_SECRET_DIR", secret.toString()));
    assertThat(config.mesh().etcdPrefix()).isEqualTo("/densemesh/mm/");
    assertThat(config.mesh().etcdAccess().tls()).isTrue();
    try (EtcdRegistry registry = EtcdRegistry.connect(settings(config.mesh()))) {
      registry.putModel(RegistryContract.model("mm", "/m"), 0).orElseThrow();
      assertThat(registry.model("mm")).isPresent();
    }
  }

  @Test
  void kubernetesSecretKeysConnect() throws Exception {
    Path secret = Files.createDirectories(dir.resolve("secret-keys"));
    Files.writeString(secret.resolve("endpoints"), etcd.endpoint());
    Files.writeString(secret.resolve("prefix"), PREFIX + "keys/");
    Files.copy(client.ca(), secret.resolve("ca.crt"));
    Files.copy(client.cert(), secret.resolve("tls.crt"));
    Files.copy(client.key(), secret.resolve("tls.key"));
    Files.writeString(secret.resolve("username"), USER);
    Files.writeString(secret.resolve("password"), PASSWORD);
    MeshConfig mesh = mesh(List.of("--etcd-secret-dir", secret.toString()), Map.of());
    try (EtcdRegistry registry = EtcdRegistry.connect(settings(mesh))) {
      assertThat(registry.model("absent")).isEmpty();
    }
  }

  @Test
  void aCaThatDidNotSignEtcdsCertificateFailsNamingTheCertificate() {
    TestPki other = new TestPki("other");
    TestPki.Issued stranger = other.issue(dir.resolve("stranger"), "densemesh-node");
    MeshConfig mesh = mesh(flags("--etcd-ca", stranger.ca().toString(), "--etcd-cert",
        client.cert().toString(), "--etcd-key", client.key().toString(), "--etcd-user", USER,
        "--etcd-password", PASSWORD, "--etcd-timeout", "3s"), Map.of());
    assertThatThrownBy(() -> EtcdRegistry.connect(settings(mesh)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("etcd " + etcd.endpoint())
        .hasMessageContaining("etcd's TLS certificate is not accepted (check --etcd-ca");
  }

  @Test
  void aUserWithoutPasswordIsRefusedAtParseAndNoUserIsRefusedByEtcd() {
    assertThatThrownBy(() -> mesh(flags("--etcd-ca", client.ca().toString(), "--etcd-user",
        USER), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("etcd user 'densemesh' has no password");
    MeshConfig noUser = mesh(flags("--etcd-ca", client.ca().toString(), "--etcd-cert",
        client.cert().toString(), "--etcd-key", client.key().toString()), Map.of());
    assertThatThrownBy(() -> EtcdRegistry.connect(settings(noUser)))
        .isInstanceOf(UnavailableException.class)
        .satisfies(e -> assertThat(causes(e)).containsIgnoringCase("permission denied"));
  }

  @Test
  void aWrongPasswordIsRefusedByEtcd() {
    MeshConfig mesh = mesh(flags("--etcd-ca", client.ca().toString(), "--etcd-cert",
        client.cert().toString(), "--etcd-key", client.key().toString(), "--etcd-user", USER,
        "--etcd-password", "wrong"), Map.of());
    assertThatThrownBy(() -> EtcdRegistry.connect(settings(mesh)))
        .isInstanceOf(UnavailableException.class)
        .satisfies(e -> assertThat(causes(e)).containsIgnoringCase("authentication failed"));
  }

  @Test
  void httpsWithoutACaIsAStartUpErrorNotPlaintext() {
    assertThatThrownBy(() -> mesh(flags(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("uses https:// but no CA is set")
        .hasMessageContaining("never falls back to plaintext");
  }

  static String causes(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append(" | ");
    }
    return all.toString();
  }
}
