package io.densemesh.perf.hop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of this benchmark's own (a node, or the floor server), started with this JVM's classpath
 * on loopback ports chosen here, its output in a log file.
 */
final class HopProcess implements AutoCloseable {

  final String name;
  private final Process process;
  final Path log;

  /**
   * @param jvmFlags extra JVM options (a profiler, for instance)
   * @param mainAndArgs the main class and its arguments
   */
  HopProcess(Path dir, String name, List<String> jvmFlags, List<String> mainAndArgs)
      throws IOException {
    this.name = name;
    Files.createDirectories(dir);
    this.log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseG1GC"));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.addAll(mainAndArgs);
    this.process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
  }

  long pid() {
    return process.pid();
  }

  /** Fails with the log's location when the process has exited. */
  void checkAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited; see " + log);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
