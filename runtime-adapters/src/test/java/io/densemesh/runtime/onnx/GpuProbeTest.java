package io.densemesh.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProbeTest {

  private static final NvidiaSmi NO_SMI = new NvidiaSmi("densemesh-no-such-nvidia-smi");

  @TempDir Path dev;

  @Test
  void theCpuNeedsNothing() {
    GpuProbe probe = new GpuProbe(Set.of(OrtProvider.CPU), NO_SMI, dev);
    assertThat(probe.problem(ExecutionDevice.CPU)).isEmpty();
  }

  /** The default build ships ONNX Runtime's CPU jar: asking it for CUDA names the fix. */
  @Test
  void thisBuildsOnnxRuntimeHasNoCudaProvider() {
    GpuProbe probe = GpuProbe.system();
    assumeFalse(ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "built with -Pgpu: the CUDA provider is present");

    assertThat(probe.problem(ExecutionDevice.cuda(0)))
        .hasValueSatisfying(line -> assertThat(line)
            .startsWith("--device cuda:0: this ONNX Runtime build has no CUDA execution provider")
            .contains("-Pgpu")
            .doesNotContain("\n"));
    assertThat(probe.problem(ExecutionDevice.CPU)).isEmpty();
  }

  @Test
  void aCudaBuildWithoutTheDeviceNamesTheMissingDevice() {
    GpuProbe probe = new GpuProbe(Set.of(OrtProvider.CPU, OrtProvider.CUDA), NO_SMI, dev);

    assertThat(probe.problem(ExecutionDevice.cuda(1)))
        .hasValueSatisfying(line -> assertThat(line)
            .startsWith("--device cuda:1: no NVIDIA GPU with index 1")
            .contains("nvidia1"));
  }

  @Test
  void aDeviceNodeIsEnoughWhenNvidiaSmiIsAbsent() throws Exception {
    Files.createFile(dev.resolve("nvidia0"));
    GpuProbe probe = new GpuProbe(Set.of(OrtProvider.CPU, OrtProvider.CUDA), NO_SMI, dev);

    assertThat(probe.problem(ExecutionDevice.cuda(0))).isEmpty();
    assertThat(probe.problem(ExecutionDevice.cuda(1))).isPresent();
    assertThat(probe.totalBytes(ExecutionDevice.cuda(0))).isEmpty();
  }
}
