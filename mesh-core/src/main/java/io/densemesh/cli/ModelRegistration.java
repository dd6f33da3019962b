package io.densemesh.cli;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.cli.support.DurationConverter;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code densemesh models register ID PATH}: the ModelMesh {@code registerModel} call, so trying a
 * node needs no gRPC tool. It waits (up to {@code --wait}) for a node that is still starting.
 */
@Command(name = "register", sortOptions = false,
    description = "Register a model with a node through the ModelMesh API (registerModel).")
final class ModelRegistration implements Callable<Integer> {

  @Spec
  CommandSpec spec;
  @Parameters(index = "0", paramLabel = "ID", description = "The model id.")
  String modelId;
  @Parameters(index = "1", paramLabel = "PATH",
      description = "Where the artifact is: a local path under the node's --model-roots,"
          + " file://, pvc://, http(s):// or s3:// (see docs/configuration.md).")
  String path;
  @Option(names = "--type", defaultValue = "onnx", paramLabel = "TYPE",
      description = "Model type (runtime format), e.g. onnx.")
  String type;
  @Option(names = "--key", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "KEY",
      description = "Storage key of the artifact's location, if any.")
  String key;
  @Option(names = "--node", defaultValue = "localhost:8033", paramLabel = "HOST:PORT",
      description = "The node's gRPC address (plaintext).")
  String node;
  @Option(names = "--load", description = "Load the model now rather than on first use.")
  boolean load;
  @Option(names = "--token", defaultValue = "", showDefaultValue = Visibility.NEVER,
      paramLabel = "TOKEN",
      description = "Bearer token (JWT or API key) when the node authenticates clients.")
  String token;
  @Option(names = "--wait", defaultValue = "60s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to wait for the node to answer.")
  Duration wait;

  @Override
  public Integer call() {
    int colon = node.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--node: '" + node + "' is not host:port");
    }
    int port;
    try {
      port = Integer.parseInt(node.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--node: '" + node + "' is not host:port");
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress(node.substring(0, colon), port)
        .usePlaintext().build();
    try {
      long deadline = System.nanoTime() + wait.toNanos();
      awaitServing(channel, deadline);
      ModelMeshGrpc.ModelMeshBlockingStub stub = ModelMeshGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (!token.isBlank()) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + token.trim());
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      ModelStatusInfo status = stub.registerModel(RegisterModelRequest.newBuilder()
          .setModelId(modelId).setLoadNow(load)
          .setModelInfo(ModelInfo.newBuilder().setType(type)
              .setPath(key.isBlank() ? localAbsolute(path) : path).setKey(key))
          .build());
      PrintWriter out = spec.commandLine().getOut();
      out.println(modelId + ": " + status.getStatus()
          + (status.getErrorsCount() > 0 ? " " + status.getErrorsList() : ""));
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("registerModel at " + node + ": "
          + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
              : " " + e.getStatus().getDescription()), e);
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Waits until the node answers SERVING on gRPC health (all its ports are then bound), so the
   * commands after this one (e.g. a REST request) find it ready.
   */
  private void awaitServing(ManagedChannel channel, long deadlineNanos) {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withWaitForReady();
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("the node at " + node + " is not ready after " + wait
            + " (see --wait)");
      }
      try {
        if (health.withDeadlineAfter(left, TimeUnit.NANOSECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus()
            == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
      }
      try {
        Thread.sleep(100); // the node is starting: ask again shortly
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + node, e);
      }
    }
  }

  /** A plain relative path means one relative to here, as a shell user expects. */
  private static String localAbsolute(String path) {
    boolean plainRelative = !path.contains("://") && !path.startsWith("/")
        && !path.contains("{");
    return plainRelative ? Path.of(path).toAbsolutePath().normalize().toString() : path;
  }
}
