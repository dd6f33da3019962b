package io.densemesh.testing;

import static org.awaitility.Awaitility.await;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ServerReadyRequest;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM ({@code densemesh serve}), started with this test JVM's classpath, so a
 * test can kill it with SIGKILL like a crashed pod.
 */
public final class NodeProcess implements AutoCloseable {

  private final Process process;
  private final ManagedChannel channel;
  public final int grpcPort;
  public final ModelMeshGrpc.ModelMeshBlockingStub mesh;

  public NodeProcess(Path dir, String... flags) {
    this.grpcPort = freePort();
    this.process = launch(dir, "node.log", grpcPort, flags);
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    this.mesh = ModelMeshGrpc.newBlockingStub(channel);
    var health = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("node process exited; the end of its log:\n"
            + tail(dir.resolve("node.log")));
      }
      return health.withDeadlineAfter(1, TimeUnit.SECONDS)
          .serverReady(ServerReadyRequest.getDefaultInstance()).getReady();
    });
  }

  /** How a node that was expected not to start ended: its exit code and everything it printed. */
  public record Exit(int code, String output) {}

  /** Starts a node and waits (at most 60 s) for it to exit by itself (output in node-exit.log). */
  public static Exit runUntilExit(Path dir, String... flags) {
    Process process = launch(dir, "node-exit.log", freePort(), flags);
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("the node did not exit; see "
            + dir.resolve("node-exit.log"));
      }
      return new Exit(process.exitValue(), Files.readString(dir.resolve("node-exit.log")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process launch(Path dir, String log, int grpcPort, String... flags) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        "io.densemesh.cli.Main", "serve", "--host", "127.0.0.1",
        // Only the gRPC port must be known here; the node picks the others itself, so two
        // separately probed free ports can never collide (a start-up error, exit code 2).
        "--grpc-port", Integer.toString(grpcPort), "--rest-port", "0", "--metrics-port", "0",
        "--internal-port", "0", "--data-dir", dir.toString()));
    command.addAll(List.of(flags));
    if (!command.contains("--model-roots")) {
      // Tests write their models beside the node's data directory, in their temp dir.
      command.addAll(List.of("--model-roots", dir.toAbsolutePath().getParent().toString()));
    }
    try {
      dir.toFile().mkdirs();
      return new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve(log).toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The node's operating-system process id. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The node's gRPC channel (inference, ModelMesh API). */
  public ManagedChannel channel() {
    return channel;
  }

  /** SIGKILL: no drain, no lease revoke, connections just drop. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    if (process.isAlive()) {
      kill();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
