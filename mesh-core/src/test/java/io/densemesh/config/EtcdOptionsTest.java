package io.densemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where etcd's address, TLS material and user come from, and what is refused at start. */
class EtcdOptionsTest {

  @TempDir static Path dir;
  static TestPki.Issued issued;

  @BeforeAll
  static void pki() {
    issued = new TestPki("unit").issue(dir.resolve("pki"), "node");
  }

  static MeshConfig parse(Map<String, String> env, String... flags) {
    return NodeOptions.parse(List.of(flags), env).mesh();
  }

  @Test
  void plainHttpNeedsNothingAndCarriesNoAccess() {
    MeshConfig mesh = parse(Map.of(), "--etcd", "http://127.0.0.1:2379");
    assertThat(mesh.etcdAccess()).isEqualTo(EtcdAccess.NONE);
  }

  @Test
  void httpsWithoutCaIsRefusedAndSoIsTlsMaterialWithHttp() {
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "https://etcd:2379"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no CA is set");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "http://etcd:2379", "--etcd-ca",
        issued.ca().toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("endpoints are http://");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "https://a:2379,http://b:2379",
        "--etcd-ca", issued.ca().toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mixes https:// and http://");
  }

  @Test
  void aCaFileWithoutCertificatesIsNotUsable() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "https://etcd:2379", "--etcd-ca",
        junk.toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--etcd-ca holds no");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "https://etcd:2379", "--etcd-ca",
        dir.resolve("absent.pem").toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--etcd-ca: cannot read");
  }

  @Test
  void certAndKeyGoTogetherAndAUserNeedsAPassword() {
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "https://etcd:2379", "--etcd-ca",
        issued.ca().toString(), "--etcd-cert", issued.cert().toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("go together");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd", "http://etcd:2379", "--etcd-user", "u"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("has no password");
    assertThatThrownBy(() -> parse(Map.of("DM_ETCD_PASSWORD", "p"), "--etcd",
        "http://etcd:2379"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("needs --etcd-user");
  }

  @Test
  void modelMeshJsonFillsWhatFlagsDoNotSetAndFlagsWin() throws Exception {
    Path json = Files.writeString(dir.resolve("etcd_connection"), """
        {"endpoints": "https://etcd-a:2379,https://etcd-b:2379", "root_prefix": "modelmesh",
         "userid": "mm", "password": "pw", "certificate_file": "pki/ca.crt",
         "override_authority": "etcd.internal"}""");
    MeshConfig fromJson = parse(Map.of("DM_ETCD_CONNECTION", json.toString()));
    assertThat(fromJson.etcdEndpoints()).containsExactly("https://etcd-a:2379",
        "https://etcd-b:2379");
    assertThat(fromJson.etcdPrefix()).isEqualTo("/modelmesh/");
    assertThat(fromJson.etcdAccess().user()).isEqualTo("mm");
    assertThat(fromJson.etcdAccess().password()).isEqualTo("pw");
    assertThat(fromJson.etcdAccess().authority()).isEqualTo("etcd.internal");
    assertThat(fromJson.etcdAccess().caPem()).contains(Files.readString(issued.ca()));
    assertThat(fromJson.etcdAccess().toString()).doesNotContain("pw");

    MeshConfig flagsWin = parse(Map.of("DM_ETCD_CONNECTION", json.toString()),
        "--etcd-prefix", "/mine/", "--etcd-user", "other", "--etcd-password", "x");
    assertThat(flagsWin.etcdPrefix()).isEqualTo("/mine/");
    assertThat(flagsWin.etcdAccess().user()).isEqualTo("other");
    assertThat(flagsWin.etcdAccess().password()).isEqualTo("x");
  }

  @Test
  void malformedJsonIsAOneLineError() throws Exception {
    Path json = Files.writeString(dir.resolve("bad.json"), "{\"endpoints\": ");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd-connection", json.toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("is not JSON");
    Path noEndpoints = Files.writeString(dir.resolve("none.json"), "{\"userid\": \"u\"}");
    assertThatThrownBy(() -> parse(Map.of(), "--etcd-connection", noEndpoints.toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("needs at least \"endpoints\"");
  }
}
