package io.densemesh.runtime.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the process's resident memory from {@code /proc/self/statm}. ONNX Runtime does not report
 * what a session holds, so the runtime measures the resident-set growth across session creation
 * (taken under a lock, so two loads do not blur each other's figure).
 */
final class NativeMemoryProbe {

  private static final Path STATM = Path.of("/proc/self/statm");
  private static final long PAGE_SIZE = 4096;

  private NativeMemoryProbe() {}

  /** Resident bytes, or -1 where the platform does not tell. */
  static long residentBytes() {
    try {
      String[] fields = Files.readString(STATM).trim().split("\\s+");
      return Long.parseLong(fields[1]) * PAGE_SIZE;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
