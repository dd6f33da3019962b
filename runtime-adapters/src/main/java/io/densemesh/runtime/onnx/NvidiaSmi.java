package io.densemesh.runtime.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Reads one GPU's memory figures from {@code nvidia-smi}. ONNX Runtime reports no session's GPU
 * memory, and the driver's view is the one that counts (the CUDA context, cuDNN workspaces and
 * the allocator's arena all take device memory). Each query is a short child process, bounded by
 * a timeout; a missing tool, a missing device or unreadable output is "unknown", never an error.
 */
public final class NvidiaSmi {

  private static final long TIMEOUT_MILLIS = 5_000;

  private final String command;

  /** @param command the tool to run ({@code nvidia-smi} on the PATH normally) */
  public NvidiaSmi(String command) {
    this.command = command;
  }

  public static NvidiaSmi onPath() {
    return new NvidiaSmi("nvidia-smi");
  }

  /** Total memory of device {@code index}, bytes, if the tool answers for it. */
  public OptionalLong totalBytes(int index) {
    return query("memory.total", index);
  }

  /** Memory in use on device {@code index} (all processes), bytes, if the tool answers. */
  public OptionalLong usedBytes(int index) {
    return query("memory.used", index);
  }

  private OptionalLong query(String field, int index) {
    List<String> argv = List.of(command, "--query-gpu=" + field,
        "--format=csv,noheader,nounits", "-i", Integer.toString(index));
    Process process;
    try {
      process = new ProcessBuilder(argv).redirectErrorStream(true).start();
    } catch (IOException e) {
      return OptionalLong.empty(); // not installed
    }
    try (InputStream out = process.getInputStream()) {
      // The answer is one short line, well within the pipe buffer: wait first, then read, so a
      // hung tool costs the timeout and never blocks a read.
      if (!process.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
        return OptionalLong.empty();
      }
      return parseMebibytes(new String(out.readNBytes(4096), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    } finally {
      process.destroyForcibly();
    }
  }

  /** nvidia-smi prints MiB without units with {@code nounits}: {@code "81559"}. */
  static OptionalLong parseMebibytes(String output) {
    String line = output.strip().lines().findFirst().orElse("").strip();
    if (line.isEmpty() || !line.chars().allMatch(Character::isDigit) || line.length() > 12) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(line) << 20);
  }
}
