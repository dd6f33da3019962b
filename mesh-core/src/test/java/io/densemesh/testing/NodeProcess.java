package io.densemesh.testing;

import static org.awaitility.Awaitility.await;

import io.densemesh.api.inference.GRPCInferenceServiceGrpc;
import io.densemesh.api.inference.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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

  public NodeProcess(Path dir, String... flags) {
    this.grpcPort = freePort();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        "io.densemesh.cli.Main", "serve", "--host", "127.0.0.1",
        "--grpc-port", Integer.toString(grpcPort), "--rest-port", Integer.toString(freePort()),
        "--metrics-port", Integer.toString(freePort()), "--data-dir", dir.toString()));
    command.addAll(List.of(flags));
    try {
      dir.toFile().mkdirs();
      this.process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("node.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    var health = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("node process exited; see " + dir.resolve("node.log"));
      }
      return health.withDeadlineAfter(1, TimeUnit.SECONDS)
          .serverReady(ServerReadyRequest.getDefaultInstance()).getReady();
    });
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
