package io.densemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.config.ConfigException;
import io.densemesh.config.GrpcAddress;
import io.densemesh.runtimeserver.RuntimeServerOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flags of {@code densemesh runtime}. */
class RuntimeCommandTest {

  @Test
  void defaultsAndOverrides() {
    RuntimeServerOptions o = RuntimeCommand.parse(
        List.of("--listen", "127.0.0.1:9000", "--capacity=256m", "--load-timeout", "5s"));
    assertThat(o.listen()).isEqualTo(new GrpcAddress("127.0.0.1", 9000, null));
    assertThat(o.capacityBytes()).isEqualTo(256L << 20);
    assertThat(o.loadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.loadingSlots()).isEqualTo(2);
    assertThat(o.defaultModelSizeBytes()).isEqualTo(1L << 20);
  }

  @Test
  void badFlagsAreOneLineErrors() {
    assertThatThrownBy(() -> RuntimeCommand.parse(List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Missing required option: '--listen=ADDRESS'");
    assertThatThrownBy(() -> RuntimeCommand.parse(List.of("--listen", "h:1", "--nope", "1")))
        .hasMessageContaining("Unknown options: '--nope'");
    assertThatThrownBy(() -> RuntimeCommand.parse(List.of("--listen", "h:1",
        "--loading-slots", "0"))).hasMessageContaining("--loading-slots must be 1..256");
    assertThatThrownBy(() -> RuntimeCommand.parse(List.of("--listen", "nowhere")))
        .hasMessageContaining("not host:port");
  }
}
