package io.densemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code runtime} subcommand's usage and errors. */
class MainTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void runtimeWithoutListenIsUsageError() {
    assertThat(run("runtime")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo("densemesh runtime: --listen is required (host:port or unix:/path/to/socket)"
            + System.lineSeparator());
  }

  @Test
  void helpListsTheRuntimeCommandAndTheRemoteRuntimeFlag() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("runtime      serve the embedded runtimes over the ModelMesh runtime SPI")
        .contains("--remote-runtime V")
        .contains("--listen V");
  }
}
