package io.densemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.runtime.onnx.ExecutionDevice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceSettingsTest {

  @Test
  void theCpuIsTheDefault() {
    NodeConfig c = NodeOptions.parse(List.of(), Map.of());
    assertThat(c.device()).isEqualTo(DeviceSettings.CPU);
    assertThat(c.device().device().isCuda()).isFalse();
  }

  @Test
  void readsTheDeviceAndGpuCapacityFromFlagsAndEnvironment() {
    NodeConfig flags = NodeOptions.parse(List.of("--device", "cuda:1", "--gpu-capacity", "16g"),
        Map.of());
    assertThat(flags.device()).isEqualTo(new DeviceSettings(ExecutionDevice.cuda(1), 16L << 30));

    NodeConfig env = NodeOptions.parse(List.of(), Map.of("DM_DEVICE", "cuda"));
    assertThat(env.device().device()).isEqualTo(ExecutionDevice.cuda(0));
    assertThat(env.device().gpuCapacityBytes()).isZero(); // the device's total, found at start
  }

  @Test
  void badValuesAreOneLineErrorsNamingTheOption() {
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--device", "tpu"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--device: 'tpu' is not a device (use cpu, cuda or cuda:N with N a device"
            + " index)");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--device", "cuda:x"), Map.of()))
        .hasMessageStartingWith("--device: 'cuda:x'");
    assertThatThrownBy(() -> NodeOptions.parse(List.of("--gpu-capacity", "8g"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--gpu-capacity needs --device cuda");
    assertThatThrownBy(() -> NodeOptions.parse(
        List.of("--device", "cuda", "--gpu-capacity", "lots"), Map.of()))
        .hasMessageContaining("--gpu-capacity: 'lots' is not a size");
    assertThatThrownBy(() -> NodeOptions.parse(
        List.of("--device", "cuda", "--gpu-capacity", "0"), Map.of()))
        .hasMessageContaining("--gpu-capacity must be at least 1m");
    assertThatThrownBy(() -> NodeOptions.parse(
        List.of("--device", "cuda", "--gpu-capacity", "512k"), Map.of()))
        .hasMessageContaining("--gpu-capacity must be at least 1m");
  }
}
