package io.densemesh.perf.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of a node process: resident set size from {@code /proc/<pid>/status}, and heap in use
 * right after a full collection (asked for with {@code jcmd <pid> GC.run}, read with {@code jcmd
 * <pid> GC.heap_info}), so heap growth means retained objects, not garbage not yet collected.
 */
final class NodeMemory {

  record Sample(long rssBytes, long heapBytes) {}

  private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private NodeMemory() {}

  static Sample sample(long pid) {
    return new Sample(rss(pid), heapAfterGc(pid));
  }

  static long rss(long pid) {
    try {
      Matcher m = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
      return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  static long heapAfterGc(long pid) {
    jcmd(pid, "GC.run");
    Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  private static String jcmd(long pid, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
