package io.densemesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtProvider;
import io.densemesh.config.ConfigException;
import io.densemesh.config.DeviceSettings;
import io.densemesh.runtime.onnx.ExecutionDevice;
import io.densemesh.runtime.onnx.GpuProbe;
import io.densemesh.runtime.onnx.NvidiaSmi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceCheckTest {

  private static final NvidiaSmi NO_SMI = new NvidiaSmi("densemesh-no-such-nvidia-smi");

  @TempDir Path dev;

  @Test
  void theCpuHasNoGpuBudgetAndProbesNothing() {
    assertThat(DeviceCheck.gpuCapacity(DeviceSettings.CPU, () -> {
      throw new AssertionError("probed the GPU for a CPU node");
    })).isZero();
  }

  @Test
  void aBuildWithoutTheCudaProviderIsAConfigError() {
    GpuProbe cpuBuild = new GpuProbe(Set.of(OrtProvider.CPU), NO_SMI, dev);
    assertThatThrownBy(() -> DeviceCheck.gpuCapacity(
        new DeviceSettings(ExecutionDevice.cuda(0), 16L << 30), () -> cpuBuild))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--device cuda:0: this ONNX Runtime build has no CUDA");
  }

  @Test
  void withoutNvidiaSmiTheGpuCapacityMustBeGiven() throws Exception {
    Files.createFile(dev.resolve("nvidia0"));
    GpuProbe probe = new GpuProbe(Set.of(OrtProvider.CPU, OrtProvider.CUDA), NO_SMI, dev);

    assertThatThrownBy(() -> DeviceCheck.gpuCapacity(
        new DeviceSettings(ExecutionDevice.cuda(0), 0), () -> probe))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("set --gpu-capacity");
    assertThat(DeviceCheck.gpuCapacity(
        new DeviceSettings(ExecutionDevice.cuda(0), 8L << 30), () -> probe))
        .isEqualTo(8L << 30);
  }
}
