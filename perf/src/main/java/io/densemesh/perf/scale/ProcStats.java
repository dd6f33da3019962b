package io.densemesh.perf.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Readings of a process from Linux's {@code /proc}. */
final class ProcStats {

  /** Clock ticks per second of {@code /proc/<pid>/stat} times (USER_HZ, 100 on Linux). */
  static final int TICKS_PER_SECOND = 100;

  private ProcStats() {}

  static long rssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS for process " + pid);
  }

  /** User plus system CPU time, in clock ticks. */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
  }
}
