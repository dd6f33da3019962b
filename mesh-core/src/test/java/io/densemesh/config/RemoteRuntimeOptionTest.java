package io.densemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.cli.RuntimeCommand;
import io.densemesh.runtimeserver.RuntimeServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing of --remote-runtime and the TLS rules of its link. */
class RemoteRuntimeOptionTest {

  @TempDir static Path dir;

  static NodeConfig parse(String... flags) {
    return NodeOptions.parse(List.of(flags), Map.of());
  }

  static String file(String name) throws IOException {
    Path f = dir.resolve(name);
    if (!Files.exists(f)) {
      Files.writeString(f, "pem");
    }
    return f.toString();
  }

  @Test
  void loopbackIsDecidedWithoutResolvingNames() {
    assertThat(GrpcAddress.parse("t", "127.3.2.1:1").loopback()).isTrue();
    assertThat(GrpcAddress.parse("t", "localhost:1").loopback()).isTrue();
    assertThat(GrpcAddress.parse("t", "[::1]:1").loopback()).isTrue();
    assertThat(GrpcAddress.parse("t", "10.0.0.7:1").loopback()).isFalse();
    assertThat(GrpcAddress.parse("t", "[fd00::1]:1").loopback()).isFalse();
    assertThat(GrpcAddress.parse("t", "runtime.models.svc:1").loopback())
        .as("a name other than localhost counts as remote").isFalse();
    assertThat(GrpcAddress.parse("t", "localhost.evil.example:1").loopback()).isFalse();
    assertThat(GrpcAddress.parse("t", "unix:/run/rt.sock").loopback()).isFalse();
  }

  @Test
  void plaintextBeyondLoopbackIsAStartUpError() {
    assertThatThrownBy(() -> parse("--remote-runtime", "onnx=10.0.0.7:8085"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("10.0.0.7:8085 is not a loopback address")
        .hasMessageContaining("--remote-runtime-ca")
        .hasMessageContaining("--remote-runtime-allow-plaintext");
    assertThatThrownBy(() -> parse("--remote-runtime", "onnx=127.0.0.1:1;data=runtime.svc:2"))
        .as("the data address is checked too").hasMessageContaining("runtime.svc:2");
  }

  @Test
  void loopbackAndUnixSocketsMayStayPlaintext() {
    assertThat(parse("--remote-runtime", "127.0.0.1:1;data=localhost:2").remoteRuntimeTls())
        .isEqualTo(RemoteRuntimeTls.OFF);
    assertThat(parse("--remote-runtime", "unix:/run/a.sock;data=[::1]:2").remoteRuntime())
        .isPresent();
  }

  @Test
  void plaintextAllowanceAndTlsReachTheConfig() throws IOException {
    assertThat(parse("--remote-runtime", "10.0.0.7:1", "--remote-runtime-allow-plaintext")
        .remoteRuntimeTls().allowPlaintext()).isTrue();
    RemoteRuntimeTls tls = NodeOptions.parse(List.of("--remote-runtime", "10.0.0.7:1"),
        Map.of("DM_REMOTE_RUNTIME_CA", file("ca.crt"),
            "DM_REMOTE_RUNTIME_CERT", file("node.crt"), "DM_REMOTE_RUNTIME_KEY", file("node.key"),
            "DM_REMOTE_RUNTIME_AUTHORITY", "runtime.models.svc")).remoteRuntimeTls();
    assertThat(tls.enabled()).isTrue();
    assertThat(tls.ca()).contains(Path.of(file("ca.crt")));
    assertThat(tls.cert()).contains(Path.of(file("node.crt")));
    assertThat(tls.authority()).contains("runtime.models.svc");
  }

  @Test
  void inconsistentTlsSettingsSayWhatIsWrong() throws IOException {
    assertThatThrownBy(() -> parse("--remote-runtime-ca", file("ca.crt")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("need --remote-runtime");
    assertThatThrownBy(() -> parse("--remote-runtime", "10.0.0.7:1", "--remote-runtime-ca",
        file("ca.crt"), "--remote-runtime-cert", file("node.crt")))
        .hasMessageContaining("--remote-runtime-cert and --remote-runtime-key go together");
    assertThatThrownBy(() -> parse("--remote-runtime", "10.0.0.7:1", "--remote-runtime-cert",
        file("node.crt"), "--remote-runtime-key", file("node.key")))
        .hasMessageContaining("need --remote-runtime-ca");
    assertThatThrownBy(() -> parse("--remote-runtime", "10.0.0.7:1", "--remote-runtime-ca",
        file("ca.crt"), "--remote-runtime-allow-plaintext"))
        .hasMessageContaining("contradicts");
    assertThatThrownBy(() -> parse("--remote-runtime", "unix:/run/rt.sock",
        "--remote-runtime-ca", file("ca.crt")))
        .hasMessageContaining("Unix socket");
    assertThatThrownBy(() -> parse("--remote-runtime", "10.0.0.7:1", "--remote-runtime-ca",
        dir.resolve("missing.crt").toString()))
        .hasMessageContaining("--remote-runtime-ca: cannot read");
  }

  @Test
  void runtimeServerTlsFlags() throws IOException {
    RuntimeServerOptions options = RuntimeCommand.parse(List.of("--listen", "0.0.0.0:9000",
        "--tls-cert", file("rt.crt"), "--tls-key", file("rt.key"), "--tls-client-ca",
        file("ca.crt"), "--tls-reload", "1s"));
    assertThat(options.tls().enabled()).isTrue();
    assertThat(options.tls().clientCa()).contains(Path.of(file("ca.crt")));
    assertThat(RuntimeCommand.parse(List.of("--listen", "127.0.0.1:0")).tls().enabled())
        .isFalse();
    assertThatThrownBy(() -> RuntimeCommand.parse(List.of("--listen", "127.0.0.1:0",
        "--tls-client-ca", file("ca.crt"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("needs --tls-cert");
    assertThatThrownBy(() -> RuntimeCommand.parse(List.of("--listen", "unix:/run/rt.sock",
        "--tls-cert", file("rt.crt"), "--tls-key", file("rt.key"))))
        .hasMessageContaining("Unix socket");
  }

  @Test
  void typesAddressAndDataAddress() {
    RemoteRuntimeOption o = RemoteRuntimeOption.parse("ONNX, text=127.0.0.1:9000;data=[::1]:9001");
    assertThat(o.types()).containsExactlyInAnyOrder("onnx", "text");
    assertThat(o.runtime()).isEqualTo(new GrpcAddress("127.0.0.1", 9000, null));
    assertThat(o.data()).isEqualTo(new GrpcAddress("::1", 9001, null));
    assertThat(o.data().toString()).isEqualTo("[::1]:9001");
  }

  @Test
  void defaultTypeAndUnixSocket() {
    RemoteRuntimeOption o = RemoteRuntimeOption.parse("unix:/run/rt.sock");
    assertThat(o.types()).containsExactly("remote");
    assertThat(o.runtime().socket()).isEqualTo(Path.of("/run/rt.sock"));
    assertThat(o.data()).isEqualTo(o.runtime());
  }

  @Test
  void flagReachesTheNodeConfig() {
    NodeConfig config = NodeOptions.parse(List.of("--remote-runtime", "tf=host:8085",
        "--remote-runtime-allow-plaintext"), Map.of());
    assertThat(config.remoteRuntime()).get().extracting(RemoteRuntimeOption::types)
        .isEqualTo(java.util.Set.of("tf"));
    assertThat(NodeOptions.parse(List.of(), Map.of()).remoteRuntime()).isEmpty();
  }

  @Test
  void badValuesSayWhatIsWrong() {
    assertThatThrownBy(() -> RemoteRuntimeOption.parse("localhost"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not host:port");
    assertThatThrownBy(() -> RemoteRuntimeOption.parse("a b=h:1"))
        .hasMessageContaining("not a model type name");
    assertThatThrownBy(() -> RemoteRuntimeOption.parse("h:99999"))
        .hasMessageContaining("0..65535");
    assertThatThrownBy(() -> RemoteRuntimeOption.parse("h:0"))
        .hasMessageContaining("needs a port");
    assertThatThrownBy(() -> RemoteRuntimeOption.parse("h:1;x=h:2"))
        .hasMessageContaining("only data=");
    assertThatThrownBy(() -> RemoteRuntimeOption.parse("unix:"))
        .hasMessageContaining("no socket path");
  }
}
