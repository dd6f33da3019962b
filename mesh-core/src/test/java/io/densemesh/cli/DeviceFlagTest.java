package io.densemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.densemesh.runtime.onnx.GpuProbe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --device cuda} on a build without the CUDA provider: one line, exit code 2. */
class DeviceFlagTest {

  @TempDir Path dir;

  @Test
  void askingForAGpuTheBuildCannotUseIsAStartUpError() {
    GpuProbe.system(); // initialises ONNX Runtime the way the node does
    assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "built with -Pgpu: the CUDA provider is present");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = Main.run(List.of("serve", "--device", "cuda:0", "--grpc-port", "0",
            "--rest-port", "0", "--metrics-port", "0", "--internal-port", "0", "--data-dir", dir.toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    String message = err.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(2);
    assertThat(message).startsWith("densemesh serve: --device cuda:0: this ONNX Runtime build has"
        + " no CUDA execution provider").contains("-Pgpu");
    assertThat(message.strip().lines()).hasSize(1);
  }

  @Test
  void aMalformedDeviceIsAStartUpError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(List.of("serve", "--device", "gpu0"), System.out,
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--device: 'gpu0' is not a device (use cpu, cuda or cuda:N");
  }
}
