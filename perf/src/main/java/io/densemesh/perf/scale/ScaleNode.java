package io.densemesh.perf.scale;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node as a separate JVM process (its heap, RSS and CPU are its own), started with
 * {@code serve} on loopback ports, and the process-level readings the benchmark takes: heap used
 * after a full GC ({@code jcmd}), resident set size and CPU time ({@code /proc}).
 */
final class ScaleNode implements AutoCloseable {

  final String id;
  final int grpcPort;
  final ManagedChannel channel;
  private final Process process;
  private final Path log;

  ScaleNode(Path dir, String id, String heap, String... flags) throws Exception {
    this.id = id;
    this.grpcPort = freePort();
    Files.createDirectories(dir);
    this.log = dir.resolve("node.log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"),
        "io.densemesh.cli.Main", "serve", "--host", "127.0.0.1", "--instance-id", id,
        "--grpc-port", Integer.toString(grpcPort), "--rest-port", Integer.toString(freePort()),
        "--metrics-port", Integer.toString(freePort()), "--data-dir", dir.toString()));
    command.addAll(List.of(flags));
    this.process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    var health = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node " + id + " exited; see " + log);
      }
      try {
        if (health.withDeadlineAfter(1, TimeUnit.SECONDS)
            .serverReady(ServerReadyRequest.getDefaultInstance()).getReady()) {
          return;
        }
      } catch (RuntimeException notYet) {
        // starting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node " + id + " not ready in 120 s; see " + log);
      }
      Thread.sleep(100); // polling the node's readiness
    }
  }

  long pid() {
    return process.pid();
  }

  /** Heap in use right after a full GC, bytes. */
  long heapAfterGc() throws Exception {
    run("jcmd", Long.toString(pid()), "GC.run");
    String info = run("jcmd", Long.toString(pid()), "GC.heap_info");
    // "garbage-first heap   total 262144K, used 51234K [..."
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read heap of node " + id + ": " + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  long rssBytes() throws IOException {
    return ProcStats.rssBytes(pid());
  }

  long cpuTicks() throws IOException {
    return ProcStats.cpuTicks(pid());
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
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
    channel.shutdownNow();
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
