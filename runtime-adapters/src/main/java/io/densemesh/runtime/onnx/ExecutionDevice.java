package io.densemesh.runtime.onnx;

import java.util.Locale;

/**
 * Where the ONNX runtime runs its sessions: the CPU, or one CUDA device by index.
 *
 * @param cudaIndex the CUDA device index, or -1 for the CPU
 */
public record ExecutionDevice(int cudaIndex) {

  /** The default: sessions run on the CPU execution provider only. */
  public static final ExecutionDevice CPU = new ExecutionDevice(-1);

  public ExecutionDevice {
    if (cudaIndex < -1) {
      throw new IllegalArgumentException("CUDA device index must be >= 0: " + cudaIndex);
    }
  }

  public static ExecutionDevice cuda(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("CUDA device index must be >= 0: " + index);
    }
    return new ExecutionDevice(index);
  }

  /**
   * Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}.
   *
   * @throws IllegalArgumentException with a one-line message naming the accepted forms
   */
  public static ExecutionDevice parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return cuda(0);
    }
    if (t.startsWith("cuda:")) {
      String index = t.substring("cuda:".length());
      if (!index.isEmpty() && index.length() <= 4 && index.chars().allMatch(Character::isDigit)) {
        return cuda(Integer.parseInt(index));
      }
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a device (use cpu, cuda or cuda:N with N a device index)");
  }

  public boolean isCuda() {
    return cudaIndex >= 0;
  }

  /** {@code cpu} or {@code cuda:N}: the form {@link #parse} reads back. */
  @Override
  public String toString() {
    return isCuda() ? "cuda:" + cudaIndex : "cpu";
  }
}
