package io.densemesh.runtime.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Checks at start-up that a requested CUDA device can really be used, so a node asked for a GPU
 * fails at once with one line naming what is missing instead of silently running on the CPU (ORT
 * falls back quietly when a provider is absent) or failing on the first model load.
 *
 * <p>Two things must hold: the ONNX Runtime build on the class path offers the CUDA execution
 * provider (only {@code onnxruntime_gpu} does, see the {@code -Pgpu} build profile), and device
 * {@code N} exists: {@code nvidia-smi} answers for index N, or {@code /dev/nvidiaN} exists.
 */
public final class GpuProbe {

  private final Set<OrtProvider> providers;
  private final NvidiaSmi smi;
  private final Path devRoot;

  /**
   * @param providers the execution providers of the ONNX Runtime build in use
   * @param smi the nvidia-smi to ask
   * @param devRoot where device nodes live ({@code /dev})
   */
  public GpuProbe(Set<OrtProvider> providers, NvidiaSmi smi, Path devRoot) {
    this.providers = Set.copyOf(providers);
    this.smi = smi;
    this.devRoot = devRoot;
  }

  /** The probe of this process: its ONNX Runtime build, nvidia-smi on the PATH, /dev. */
  public static GpuProbe system() {
    Engine.getEngine("OnnxRuntime"); // DJL must own the native library before ORT is touched
    return new GpuProbe(OrtEnvironment.getAvailableProviders(), NvidiaSmi.onPath(),
        Path.of("/dev"));
  }

  /**
   * What stops {@code device} from being used, as one line that starts with the flag, or empty
   * when it can be used (always empty for the CPU).
   */
  public Optional<String> problem(ExecutionDevice device) {
    if (!device.isCuda()) {
      return Optional.empty();
    }
    String flag = "--device " + device + ": ";
    if (!providers.contains(OrtProvider.CUDA)) {
      return Optional.of(flag + "this ONNX Runtime build has no CUDA execution provider "
          + "(it offers " + providers + "); build with -Pgpu (onnxruntime_gpu) and run on a "
          + "machine with an NVIDIA GPU and CUDA 12");
    }
    int index = device.cudaIndex();
    if (smi.totalBytes(index).isEmpty() && !Files.exists(devRoot.resolve("nvidia" + index))) {
      return Optional.of(flag + "no NVIDIA GPU with index " + index + " (nvidia-smi -i " + index
          + " does not answer and " + devRoot.resolve("nvidia" + index) + " does not exist)");
    }
    return Optional.empty();
  }

  /** Total memory of the device as the driver reports it, if nvidia-smi answers. */
  public java.util.OptionalLong totalBytes(ExecutionDevice device) {
    return device.isCuda() ? smi.totalBytes(device.cudaIndex()) : java.util.OptionalLong.empty();
  }
}
