package io.densemesh.config;

import io.densemesh.runtime.onnx.ExecutionDevice;
import java.util.Objects;

/**
 * Where the embedded ONNX runtime runs models, and how much GPU memory the node may fill; see
 * docs/configuration.md. Whether a CUDA device can really be used is checked when the node
 * starts (the ONNX Runtime build and the device), not here.
 *
 * @param device {@code cpu} (the default) or a CUDA device
 * @param gpuCapacityBytes GPU memory budget for resident models; 0 means "the device's total
 *     memory as nvidia-smi reports it", and is always 0 on the CPU
 */
public record DeviceSettings(ExecutionDevice device, long gpuCapacityBytes) {

  public static final DeviceSettings CPU = new DeviceSettings(ExecutionDevice.CPU, 0);

  public DeviceSettings {
    Objects.requireNonNull(device, "device");
    if (gpuCapacityBytes < 0) {
      throw new ConfigException("--gpu-capacity must be >= 0, got " + gpuCapacityBytes);
    }
    if (!device.isCuda() && gpuCapacityBytes > 0) {
      throw new ConfigException("--gpu-capacity needs --device cuda or cuda:N (the device is cpu)");
    }
    if (device.isCuda() && gpuCapacityBytes > 0 && gpuCapacityBytes < 1 << 20) {
      throw new ConfigException("--gpu-capacity must be at least 1m, got " + gpuCapacityBytes);
    }
  }

  /**
   * @param device the {@code --device} value
   * @param gpuCapacity the {@code --gpu-capacity} value, empty for the device's total memory
   */
  static DeviceSettings parse(String device, String gpuCapacity) {
    ExecutionDevice parsed;
    try {
      parsed = ExecutionDevice.parse(device);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--device: " + e.getMessage());
    }
    long capacity = gpuCapacity.isBlank() ? 0 : ByteSize.parse("--gpu-capacity", gpuCapacity);
    if (!gpuCapacity.isBlank() && capacity == 0) {
      throw new ConfigException("--gpu-capacity must be at least 1m, got 0");
    }
    return new DeviceSettings(parsed, capacity);
  }
}
