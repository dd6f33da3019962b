package io.densemesh.node;

import io.densemesh.config.ConfigException;
import io.densemesh.config.DeviceSettings;
import io.densemesh.runtime.onnx.ExecutionDevice;
import io.densemesh.runtime.onnx.GpuProbe;
import java.util.function.Supplier;

/**
 * The start-up check of {@code --device}: before the node opens anything, a CUDA device must be
 * usable ({@link GpuProbe}) and its GPU budget known. Failures are {@link ConfigException}s, so
 * the launcher prints one line and exits with 2.
 */
final class DeviceCheck {

  private DeviceCheck() {}

  /**
   * @param probe made only for a CUDA device (making one loads ONNX Runtime's native library)
   * @return the GPU memory budget: {@code --gpu-capacity}, else the device's total memory; 0 for
   *     the CPU
   */
  static long gpuCapacity(DeviceSettings settings, Supplier<GpuProbe> probe) {
    ExecutionDevice device = settings.device();
    if (!device.isCuda()) {
      return 0;
    }
    GpuProbe gpu = probe.get();
    gpu.problem(device).ifPresent(problem -> {
      throw new ConfigException(problem);
    });
    if (settings.gpuCapacityBytes() > 0) {
      return settings.gpuCapacityBytes();
    }
    return gpu.totalBytes(device).orElseThrow(() -> new ConfigException(
        "--device " + device + ": nvidia-smi does not report the device's memory; set "
            + "--gpu-capacity (e.g. 16g)"));
  }
}
