package io.densemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing of --remote-runtime. */
class RemoteRuntimeOptionTest {

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
    NodeConfig config = NodeOptions.parse(List.of("--remote-runtime", "tf=host:8085"), Map.of());
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
